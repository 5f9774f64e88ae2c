"""Two sample towns: local answers follow KODOMO_MUNICIPALITY and never cite the other town's documents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCAL_QUESTIONS = [
    "保育園の申込みはいつからいつまで？",
    "保育の必要性の就労時間の下限は月何時間？",
    "0歳児の保育料はいくらですか",
    "入所の選考で同じ点数になったらどうなる？",
    "窓口の電話番号と場所を教えて",
    "市独自の子育て支援はありますか",
]


@pytest.fixture(scope="module")
def towns(corpus_kb, risk_assessor) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from kodomo_ai.consult import Consultant
    from kodomo_ai.retrieval import Retriever
    from kodomo_ai.safety.contacts import load_contacts

    contacts = load_contacts(ROOT / "corpus/contacts/contacts.md")
    retriever = Retriever(corpus_kb)
    return {
        town: Consultant(
            retriever, contacts, assessor=risk_assessor, municipality=town, today=dt.date(2026, 12, 4)
        )
        for town in ("midori", "aoba")
    }


@pytest.mark.parametrize("question", LOCAL_QUESTIONS)
def test_local_questions_never_cite_the_other_town(towns: dict[str, Any], question: str) -> None:
    for town, other in (("midori", "aoba"), ("aoba", "midori")):
        answer = towns[town].ask(question)
        cited = {c.doc_id for c in answer.citations} | {h.doc_id for h in answer.retrieved}
        assert not [d for d in cited if d.startswith(f"{other}-")], (town, question, cited)


def test_the_lower_limit_switches_with_the_town(towns: dict[str, Any]) -> None:
    question = "保育の必要性の就労時間の下限は月何時間？"
    assert "64時間" in towns["midori"].ask(question).answer
    assert "48時間" in towns["aoba"].ask(question).answer
