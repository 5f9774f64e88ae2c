"""Knowledge cards: the corpus's cards agree with their sources; ingest, matching and answering with cards."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from kodomo_ai.ingest.cards import cards_from_qa_page, load_card_file
from kodomo_ai.ingest.loaders import load_file

ROOT = Path(__file__).resolve().parents[1]
CARD_FILES = sorted((ROOT / "corpus" / "cards").glob("*.yaml"))
DOCS = {load_file(p, max_bytes=2**22).doc_id: p for p in (ROOT / "corpus").rglob("*.md")}
# Numbers that carry a fact: amounts, dates, ages, durations, counts, phone numbers (digits after NFKC).
_NUMBER = re.compile(r"#?\d[\d,.]*")


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).replace(",", "").split())


def _sections(doc_id: str) -> dict[str, str]:
    """Section heading -> its prose (without 出典 lines) of a corpus document."""
    body = DOCS[doc_id].read_text(encoding="utf-8").split("---", 2)[2]
    out = {}
    for part in re.split(r"^## ", body, flags=re.M)[1:]:
        heading, _, text = part.partition("\n")
        out[heading.strip()] = "\n".join(line for line in text.splitlines() if not line.startswith("出典"))
    return out


def test_there_are_cards_for_the_documents() -> None:
    assert len(CARD_FILES) >= 50
    cards = [c for path in CARD_FILES for c in load_card_file(path)[0]]
    assert len(cards) >= 300


@pytest.mark.parametrize("path", CARD_FILES, ids=lambda p: p.stem)
def test_every_card_is_grounded_in_its_cited_sections(path: Path) -> None:
    cards, errors = load_card_file(path)
    assert not errors, [str(e) for e in errors]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["doc_id"] in DOCS, f"{path.name}: no document {data['doc_id']}"
    for card in cards:
        assert len(card.paraphrases) >= 5, card.card_id
        assert len({_fold(q) for q in card.questions()}) == len(card.questions()), (
            f"{card.card_id}: repeated wording"
        )
        cited = ""
        for citation in card.citations:
            assert citation.doc_id in DOCS, f"{card.card_id}: no document {citation.doc_id}"
            sections = _sections(citation.doc_id)
            text = sections.get(citation.heading.strip(), "")
            assert text, f"{card.card_id}: no section {citation.heading!r} in {citation.doc_id}"
            assert _fold(citation.quote) in _fold(text), f"{card.card_id}: quote not in its section"
            cited += text
        said = " ".join(
            [
                card.answer,
                *card.conditions,
                card.ask,
                card.en.answer if card.en else "",
                card.easy.answer if card.easy else "",
            ]
        )
        numbers = {_fold(n).strip(".") for n in _NUMBER.findall(unicodedata.normalize("NFKC", said))}
        missing = [n for n in numbers if n and n not in _fold(cited)]
        assert not missing, f"{card.card_id}: numbers not in the cited sections: {missing}"
        assert not re.search(r"\b(?:nat|ref|safety|ai|midori|aoba|flow)-[a-z-]+\b", card.answer), card.card_id


def test_a_qa_page_is_read_as_cards(tmp_path: Path) -> None:
    page = tmp_path / "faq.md"
    page.write_text(
        "---\ndoc_id: t-faq\ntitle: よくある質問（テスト）\npublisher: テスト\nsources: [https://example.jp/faq]\n"
        "published: 2025-04-01\naudience: [parent]\ndoc_type: faq\n---\n# よくある質問\n\n"
        "## Q. 申込みはいつまでですか？\nA. 毎月10日までに申し込んでください。\n\n出典: https://example.jp/faq\n\n"
        "## 問2 持ち物は何ですか\n答 印鑑と本人確認書類です。\n",
        encoding="utf-8",
    )
    cards = cards_from_qa_page(load_file(page, max_bytes=2**20))
    assert [c.question for c in cards] == ["申込みはいつまでですか?", "持ち物は何ですか"]  # NFKC at load
    assert cards[0].answer == "毎月10日までに申し込んでください。"
    assert cards[1].citations[0].quote.startswith("答 印鑑")


@pytest.fixture
def carded(kb, test_corpus: Path):  # type: ignore[no-untyped-def]
    """The test corpus with one card file (one good card, one whose quote is not in the document)."""
    from kodomo_ai.ingest.pipeline import ingest_paths

    (test_corpus / "cards").mkdir()
    (test_corpus / "cards" / "t-teate.yaml").write_text(
        yaml.safe_dump(
            {
                "doc_id": "t-teate",
                "cards": [
                    {
                        "id": "t-teate-01", "audience": ["parent"], "question": "児童手当はいつ振り込まれますか？",
                        "paraphrases": ["手当っていつ入るの", "児童手当の支給日は", "振込は何月？", "手当の入金月を知りたい", "じどうてあていつもらえる"],
                        "answer": "偶数月に、前月までの2か月分が振り込まれます。",
                        "citations": [{"doc_id": "t-teate", "heading": "支給月", "quote": "児童手当は偶数月に、前月までの２か月分が振り込まれます。"}],
                    },
                    {
                        "id": "t-teate-02", "question": "手当は現金でもらえる？", "answer": "いいえ。",
                        "citations": [{"doc_id": "t-teate", "heading": "支給月", "quote": "この文は文書にありません。"}],
                    },
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )  # fmt: skip
    (test_corpus / "cards" / "t-midori.yaml").write_text(
        yaml.safe_dump(
            {
                "doc_id": "t-midori",
                "cards": [
                    {
                        "id": "t-midori-01", "question": "4月入所の申込みはいつですか？",
                        "paraphrases": ["保育園の申込み期間は", "いつまでに申し込めばいい", "一次申込みの締切", "入所の受付期間", "申し込みの時期おしえて"],
                        "answer": "4月入所の一次申込みは10月1日から10月31日までです。",
                        "citations": [{"doc_id": "t-midori", "heading": "申込期間", "quote": "４月入所の一次申込みは10月1日から10月31日までです。"}],
                    }
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )  # fmt: skip
    report = ingest_paths(kb, [test_corpus])
    return kb, report


def test_ingest_indexes_good_cards_and_names_the_bad_one(carded) -> None:  # type: ignore[no-untyped-def]
    kb, report = carded
    assert report.cards == 2
    assert [str(e) for e in report.errors if "t-teate-02" in str(e)], report.errors
    assert [c.card_id for c, _ in kb.catalog.cards()] == ["t-midori-01", "t-teate-01"]
    assert [c.municipality for c, _ in kb.catalog.cards()] == ["midori", None]


def test_a_new_wording_finds_the_card_and_other_towns_never_do(carded) -> None:  # type: ignore[no-untyped-def]
    from kodomo_ai.retrieval import Retriever

    kb, _ = carded
    retriever = Retriever(kb)
    matches = retriever.match_cards(
        "児童手当って何月に振り込まれるんですか", audience="parent", municipality="midori"
    )
    assert matches and matches[0].card.card_id == "t-teate-01"
    assert retriever.find_quote("t-teate", matches[0].card.citations[0].quote) is not None
    question = "保育園の申込みは何月から何月まで？"
    assert retriever.match_cards(question, municipality="midori")[0].card.card_id == "t-midori-01"
    assert all(m.card.card_id != "t-midori-01" for m in retriever.match_cards(question, municipality="aoba"))
