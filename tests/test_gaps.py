"""The knowledge-gap loop: unanswered questions grouped into topics, a card drafted, reviewed and live at once."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import TEST_CORPUS
from fastapi.testclient import TestClient
from line_server import small_app

from kodomo_ai.gaps.report import (
    MAX_EXAMPLES,
    cluster,
    distinct_examples,
    fit_topic_threshold,
    load_threshold,
)
from kodomo_ai.gaps.signals import gap_kind
from kodomo_ai.ingest.pipeline import ingest_paths

# Cards for the test documents (so ingest fits a card threshold); the 副食費 question has no card: a gap.
CARDS = {
    "shussei": (
        "出生届の期限",
        "出生届は、生まれた日を含めて14日以内に、住んでいる市区町村か本籍地、生まれた場所の市区町村に出します。",
        [
            "出生届はいつまでに出しますか",
            "赤ちゃんが生まれたら何日以内に届けるの",
            "出生の届出の期限を教えて",
            "出生届って何日までに出せばいい？",
            "生まれてから届けを出すまでの日数は",
            "出生届の提出期限は",
        ],
    ),
    "t-teate": (
        "児童手当の支給月",
        "児童手当は偶数月に、前月までの２か月分が振り込まれます。",
        [
            "児童手当はいつ振り込まれますか",
            "手当が入る月はいつ？",
            "児童手当の支給月を知りたい",
            "児童手当は何月に入金されるの",
            "こども手当って毎月もらえるの？",
            "児童手当の振込はいつですか",
        ],
    ),
    "t-suimin": (
        "乳児の寝かせ方",
        "乳児は仰向けに寝かせます。うつぶせ寝は窒息の危険があるため避けます。",
        [
            "赤ちゃんはどう寝かせればいい？",
            "うつぶせ寝は危ないですか",
            "乳児を寝かせるときの向きは",
            "お昼寝のときの寝かせ方を教えて",
            "仰向けとうつぶせどちらで寝かせる",
            "乳児の午睡の姿勢は",
        ],
    ),
    "t-midori": (
        "一次申込みの期間",
        "４月入所の一次申込みは10月1日から10月31日までです。",
        [
            "4月入所の申込みはいつからですか",
            "保育園の一次申込みの期間は",
            "入所の申込み期限を教えて",
            "みどり市の保育所の申し込みはいつまで",
            "春から入園したい、いつ申し込む？",
            "一次募集の受付期間は",
        ],
    ),
}
GAP = ["給食の副食費も無償化されますか", "保育園のおかず代（副食費）はタダになるの？", "副食費って無償化の対象ですか",
       "無償化になっても給食のおかず代は払うの？"]  # fmt: skip
PARAPHRASE = "無償化のあとも副食費は自分で払うんですか"
PHONE = "080-2718-2818"


@pytest.fixture(scope="module")
def gaps(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[dict[str, Any]]:
    """The API over the test corpus plus cards, with two caseworkers."""
    from kodomo_ai.index.knowledge_base import KnowledgeBase

    corpus = tmp_path_factory.mktemp("gap-corpus")
    shutil.copytree(TEST_CORPUS, corpus, dirs_exist_ok=True)
    (corpus / "cards").mkdir()
    for n, (doc_id, (question, quote, paraphrases)) in enumerate(CARDS.items()):
        card = {"id": f"{doc_id}-01", "question": question, "paraphrases": paraphrases, "answer": quote,
                "audience": ["parent", "caseworker"], "citations": [{"doc_id": doc_id, "quote": quote}]}  # fmt: skip
        text = yaml.safe_dump({"doc_id": doc_id, "cards": [card]}, allow_unicode=True)
        (corpus / "cards" / f"c{n}.yaml").write_text(text, encoding="utf-8")
    kb = KnowledgeBase.open(tmp_path_factory.mktemp("gap-index"), embedder, collection="gap-test")
    report = ingest_paths(kb, [corpus])
    assert not report.errors and report.cards == len(CARDS), report.errors
    data_dir = tmp_path_factory.mktemp("gap-data")
    app = small_app(data_dir, kb)
    storage = app.state.kodomo.storage
    keys = [{"Authorization": f"Bearer {storage.create_key('caseworker')[1]}"} for _ in range(2)]
    with TestClient(app) as client:
        yield {"client": client, "keys": keys, "data_dir": data_dir, "kb": kb, "corpus": corpus}


def test_a_gap_becomes_a_reviewed_card_that_answers_the_next_question(gaps: dict[str, Any]) -> None:
    client: TestClient = gaps["client"]
    author, reviewer = gaps["keys"]
    answers = [client.post("/v1/consult", json={"question": q}).json() for q in GAP]
    with_phone = client.post("/v1/consult", json={"question": f"{GAP[0]} 連絡先は{PHONE}です"}).json()
    carded = client.post("/v1/consult", json={"question": "児童手当は何月に振り込まれるの？"}).json()
    assert any(n.startswith("card:") for n in carded["notes"])
    assert all(not any(n.startswith("card:") for n in a["notes"]) for a in answers)
    down = client.post("/v1/consult", json={"question": "うつぶせ寝はしてもいいの？"}).json()
    client.post(
        "/v1/feedback", json={"answer_id": down["answer_id"], "rating": "down", "comment": "わかりにくい"}
    )
    # The report: the gap questions form the largest topic; stored questions are masked.
    report = client.get("/v1/gaps/report", headers=author).json()
    assert report["kinds"].get("thumbs_down") == 1
    largest = report["topics"][0]
    assert largest["count"] >= len(GAP) and largest["trend"] == "new"
    assert all("副食費" in q or "おかず代" in q for q in largest["examples"])
    assert PHONE not in str(report) and with_phone["answer_id"] in largest["answer_ids"]
    # Draft from the topic: prefilled from the 無償化 document's sentence about 副食費.
    draft = client.post("/v1/gaps/drafts", json={"question": largest["label"], "examples": largest["examples"]},
                        headers=author).json()  # fmt: skip
    card = draft["card"]
    assert draft["status"] == "draft" and card["doc_id"] == "t-mushoka"
    assert any("副食費" in c["quote"] for c in card["citations"])
    # The caseworker edits; an invented number is refused at review; the author cannot approve their own.
    quote = "給食の副食費、行事費、通園の送迎費は無償化の対象外で、保護者が払います。"
    edit = {
        "answer": "給食の副食費は月4,500円で、無償化の対象外です。",
        "citations": [{"doc_id": "t-mushoka", "quote": quote}],
    }
    client.patch(f"/v1/gaps/drafts/{draft['id']}", json=edit, headers=author)
    refused = client.post(f"/v1/gaps/drafts/{draft['id']}/approve", headers=reviewer)
    assert refused.status_code == 422 and "4,500" in refused.json()["error"]["message"]
    edit["answer"] = "給食の副食費（おかず代）は無償化の対象外で、保護者が払います。"
    client.patch(f"/v1/gaps/drafts/{draft['id']}", json=edit, headers=author)
    assert client.post(f"/v1/gaps/drafts/{draft['id']}/publish", headers=reviewer).status_code == 409
    assert client.post(f"/v1/gaps/drafts/{draft['id']}/approve", headers=author).status_code == 403
    assert (
        client.post(f"/v1/gaps/drafts/{draft['id']}/approve", headers=reviewer).json()["status"] == "approved"
    )
    live = client.post(f"/v1/gaps/drafts/{draft['id']}/publish", headers=reviewer).json()
    assert live["status"] == "live" and [h["action"] for h in live["history"]][-2:] == ["approve", "publish"]
    # The next such question, worded differently, is answered by the card: no restart.
    after = client.post("/v1/consult", json={"question": PARAPHRASE}).json()
    assert any(n.startswith(f"card:{card['card_id']}") for n in after["notes"]), after["notes"]
    assert "保護者が払います" in after["answer"] and after["citations"][0]["doc_id"] == "t-mushoka"
    # Kept as a card file for the next ingest, and every step audited.
    saved = yaml.safe_load(
        (gaps["data_dir"] / "published" / "cards" / "gap-cards.yaml").read_text(encoding="utf-8")
    )
    assert saved["cards"][0]["id"] == card["card_id"]
    with sqlite3.connect(gaps["data_dir"] / "service.sqlite3") as db:
        actions = {r[0] for r in db.execute("SELECT action FROM audit_log")}
    assert {"gaps_report", "card_draft", "card_edit", "card_approve", "card_publish"} <= actions
    # A later ingest of the corpus, whose card files changed, keeps the published card live.
    first = gaps["corpus"] / "cards" / "c0.yaml"
    first.write_text(first.read_text(encoding="utf-8").replace("出生届の提出期限は", "出生届の提出期限はいつ"),
                     encoding="utf-8")  # fmt: skip
    report = ingest_paths(gaps["kb"], [gaps["corpus"]])
    assert not report.errors and report.cards == len(CARDS) + 1, (report.errors, report.cards)
    kept = client.post("/v1/consult", json={"question": PARAPHRASE}).json()
    assert any(n.startswith(f"card:{card['card_id']}") for n in kept["notes"]), kept["notes"]


def test_gap_kinds_follow_the_stated_rule() -> None:
    assert gap_kind({"mode": "abstain", "notes": ["evidence: dense=0.7"]}) == "abstain"
    assert gap_kind({"mode": "abstain", "notes": ["scope:out_tax"]}) == ""
    assert gap_kind({"mode": "abstain", "notes": ["scope:out_other"]}) == "abstain"  # no office named
    assert gap_kind({"mode": "answer", "notes": [], "engine": "extractive"}) == "low_confidence"
    assert gap_kind({"mode": "answer", "notes": ["card:x sim=0.95"]}) == ""
    assert gap_kind({"mode": "answer", "notes": [], "rule_results": [{"rule": "allowance"}]}) == ""
    assert gap_kind({"mode": "escalate", "notes": ["route:despair"]}) == ""


def test_clustering_recovers_groups_and_the_cut_is_fitted() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 32))
    groups = [c + rng.normal(scale=0.15, size=(6, 32)) for c in centres]
    groups = [g / np.linalg.norm(g, axis=1, keepdims=True) for g in groups]
    threshold, scores = fit_topic_threshold(groups)
    assert dict(scores)[threshold] == max(a for _, a in scores) > 0.9
    labels = cluster(np.concatenate(groups), threshold)
    assert len(set(labels.tolist())) == 3
    assert 0.0 < load_threshold() < 1.0  # the committed fit (bench/gaps.py --fit)


def test_a_topic_shows_its_different_wordings_not_one_wording_with_greetings() -> None:
    """Near-duplicates (within half the cut) are skipped, so a card drafted from the examples knows several askings."""
    rng = np.random.default_rng(1)
    base = rng.normal(size=(3, 16))
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    # the first wording five times with a greeting (a tiny shift), then two other wordings
    noisy = [base[0] + rng.normal(scale=0.01, size=16) for _ in range(5)] + [base[1], base[2]]
    vectors = np.array([v / np.linalg.norm(v) for v in noisy])
    questions = [f"{g}母乳を寄付したい" for g in ("", "あの、", "すみません、", "質問です。", "ええと、")]
    questions += ["母乳バンクはどこ", "ドナーミルクを使いたい"]
    kept = distinct_examples(questions, vectors, same=0.05)
    assert kept == ["母乳を寄付したい", "母乳バンクはどこ", "ドナーミルクを使いたい"]
    assert len(distinct_examples([str(i) for i in range(9)], np.eye(9), same=0.05)) == MAX_EXAMPLES


def test_a_published_gap_card_matches_without_a_document_vouching_for_it() -> None:
    """Retrieval's documents gate corpus cards; a reviewed gap card answers on its wordings alone."""
    from kodomo_ai.index.cards import CardIndex
    from kodomo_ai.schema import Card

    def card(card_id: str, doc_id: str, question: str) -> Card:
        return Card(card_id=card_id, doc_id=doc_id, question=question, answer="回答です。")

    def unit(*values: float) -> np.ndarray:
        vector = np.array([values], dtype=np.float32)
        return vector / np.linalg.norm(vector)

    corpus = card("b-01", "doc-b", "公園の遊具の点検はいつ")
    gap = card("gap-0123456789", "doc-b", "公園の遊具の点検はいつですか")
    assert gap.published and not corpus.published
    for candidate in (corpus, gap):
        index = CardIndex([(candidate, unit(1.0, 0.0)), (card("a-01", "doc-a", "別の話"), unit(0.0, 1.0))])
        matches = index.match(unit(1.0, 0.05)[0], "公園の遊具の点検はいつ", doc_ids=["doc-a"])
        best = matches[0].card.card_id
        assert best == ("gap-0123456789" if candidate.published else "a-01"), matches
