"""Each stage of consult run alone on a small input: real e5, Sudachi, Chroma and classifiers, the 5-document corpus."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llm_server import ScriptedLLMServer, running, source_with

from kodomo_ai.classify.scope import ScopeDecision
from kodomo_ai.consult import Consultant, join_answers
from kodomo_ai.consult.check import check, citations, grounding
from kodomo_ai.consult.compose import Composed, Composer
from kodomo_ai.consult.mask import mask_message, redact
from kodomo_ai.consult.plan import Planner, Style, Thresholds
from kodomo_ai.consult.retrieve import Search, asks_before
from kodomo_ai.consult.route import Routing, alarm_rest, read_message, route_message, routed_answer
from kodomo_ai.consult.understand import Question, rewrite, understand
from kodomo_ai.engines.base import Draft, EngineRequest
from kodomo_ai.engines.extractive import ExtractiveEngine
from kodomo_ai.engines.openai_compat import OpenAIEngine
from kodomo_ai.errors import InputError
from kodomo_ai.retrieval import Retriever
from kodomo_ai.safety.contacts import ContactBook, load_contacts
from kodomo_ai.safety.pii import Masked
from kodomo_ai.schema import Answer, Citation, Hit

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 26)
BIRTH = "出生届はいつまでに出せばいいですか"
PHONE = "090-1234-5678"


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Any:
    """The 5-document test corpus, indexed once for this module."""
    from kodomo_ai.index.knowledge_base import KnowledgeBase
    from kodomo_ai.ingest.pipeline import ingest_paths

    kb = KnowledgeBase.open(tmp_path_factory.mktemp("stages-index"), embedder, collection="stages")
    report = ingest_paths(kb, [ROOT / "tests" / "data" / "corpus"])
    assert not report.errors, report.errors
    return kb


@pytest.fixture(scope="module")
def contacts() -> ContactBook:
    """The bundled contact book (119, #8000, 189 and the municipal window)."""
    return load_contacts(ROOT / "corpus/contacts/contacts.md")


@pytest.fixture(scope="module")
def search(small_kb: Any) -> Search:
    """Retrieval over the small corpus, judged on a fixed day."""
    return Search(Retriever(small_kb), municipality="midori", k=4, today=TODAY)


@pytest.fixture(scope="module")
def fallback(small_kb: Any) -> ExtractiveEngine:
    """The extractive engine over the small corpus' embedder."""
    return ExtractiveEngine(embed=lambda texts, kind: small_kb.embedder.embed_batch(texts, kind=kind))


def planner(search: Search, contacts: ContactBook, **kw: Any) -> Planner:
    """A planner as the Consultant builds it for the extractive engine."""
    return Planner(search, contacts, thresholds=Thresholds(), cards=True, remote=kw.get("remote", False))


def understood(text: str, contacts: ContactBook, **kw: Any) -> Any:
    """Stages 2 and 3 on an already routed message."""
    return understand(
        mask_message(Routing(text), kw.get("history"), contacts), kw.get("splitter"), kw.get("scope")
    )


# -- 1. route -------------------------------------------------------------------------------------
def test_route_stops_an_emergency_and_lets_a_question_through(
    contacts: ContactBook, risk_assessor: Any
) -> None:
    emergency = route_message("赤ちゃんが息をしていない", contacts, risk_assessor)
    assert emergency.stops
    answer = routed_answer(emergency)
    assert answer.mode == "escalate" and answer.engine == "router"
    assert answer.escalation is not None and answer.escalation.contacts[0].number == "119"
    question = route_message(BIRTH, contacts, risk_assessor)
    assert not question.stops and question.note is None


def test_route_keeps_the_rest_of_a_message_whose_alarm_is_one_sentence(
    contacts: ContactBook, risk_assessor: Any
) -> None:
    routing = route_message(
        "保育園の申込み書類を書いています。\n正直もう消えてしまいたい。\n就労証明書は誰に書いてもらうの？",
        contacts, risk_assessor,
    )  # fmt: skip
    assert routing.stops and routing.decision is not None and routing.decision.mode == "escalate"
    rest = alarm_rest(routing)
    assert rest is not None and "就労証明書" in rest and "消えてしまいたい" not in rest


def test_route_reads_the_message_first() -> None:
    assert read_message(" 出生届は？ ", "parent").startswith("出生届は")  # normalised, trimmed
    with pytest.raises(InputError):
        read_message("出生届は？", "mayor")
    with pytest.raises(InputError):
        read_message("   ", "parent")


# -- 2. mask --------------------------------------------------------------------------------------
def test_mask_hides_the_message_and_its_history_but_not_public_numbers(contacts: ContactBook) -> None:
    history = [{"role": "user", "content": f"電話は{PHONE}です"}]
    message = mask_message(Routing(f"{PHONE}に電話しました。#8000と189はどちら？"), history, contacts)
    assert PHONE not in message.masked.text and "〔電話1〕" in message.masked.text
    assert "#8000" in message.masked.text and "189" in message.masked.text
    assert PHONE not in message.history[0]["content"]
    assert message.question.startswith(PHONE)  # the user's own words stay for the echo


def test_redact_hides_document_data_and_restores_the_users_own(contacts: ContactBook) -> None:
    masked = Masked(text="〔電話1〕に電話しました", mapping={"〔電話1〕": PHONE})
    text = redact("〔電話1〕は控えました。担当は03-9876-5432です。", masked, contacts)
    assert text == f"{PHONE}は控えました。担当は〔個人情報〕です。"


# -- 3. understand ----------------------------------------------------------------------------------
def test_understand_splits_a_compound_question_and_carries_its_topic(
    contacts: ContactBook, splitter: Any
) -> None:
    result = understood(
        "児童手当の振込は何月？それと、引っ越したら何か手続きいる？", contacts, splitter=splitter
    )
    assert [q.text for q in result.questions] == [
        "児童手当の振込は何月？",
        "それと、引っ越したら何か手続きいる？",
    ]
    assert "児童手当" in result.questions[1].query  # the second part borrows the first one's topic


def test_understand_makes_a_follow_up_standalone(contacts: ContactBook, splitter: Any) -> None:
    history = [{"role": "user", "content": "保育料の無償化って誰が対象？"}]
    result = understood("それって認可外でも？", contacts, history=history, splitter=splitter)
    assert len(result.questions) == 1
    assert "無償化" in result.questions[0].query and "認可外" in result.questions[0].query
    assert rewrite(BIRTH, history) == BIRTH  # a question with its own topic is left alone


def test_understand_reads_the_scope(contacts: ContactBook, scope_reader: Any) -> None:
    result = understood("出産手当金っていつ振り込まれる？会社員です", contacts, scope=scope_reader)
    scope = result.questions[0].scope
    assert scope is not None and scope.label.startswith("out_"), scope


# -- 4. plan (with 5. retrieve) ---------------------------------------------------------------------
def test_plan_composes_from_the_documents(search: Search, contacts: ContactBook) -> None:
    message = understood(BIRTH, contacts)
    plan = planner(search, contacts).plan(message, message.questions[0], Style())
    assert plan.kind == "compose" and plan.request is not None
    assert plan.pool and plan.pool[0].doc_id == "shussei"
    assert plan.request.hits == plan.pool  # a local engine sees the documents as stored


def test_plan_masks_the_documents_a_remote_engine_sees(search: Search, contacts: ContactBook) -> None:
    message = understood(BIRTH, contacts)
    plan = planner(search, contacts, remote=True).plan(message, message.questions[0], Style())
    assert plan.request is not None and plan.request.hits is not plan.pool
    assert [h.chunk_id for h in plan.request.hits] == [h.chunk_id for h in plan.pool]


def test_plan_lets_a_rule_compute_and_asks_for_a_missing_input(search: Search, contacts: ContactBook) -> None:
    rules = planner(search, contacts)
    computed = understood("子どもが15歳、12歳、8歳の3人です。児童手当は月いくら？", contacts)
    plan = rules.plan(computed, computed.questions[0], Style())
    assert plan.kind == "compose" and plan.rule is not None and "50,000円" in plan.rule.text
    assert plan.request is not None and "50,000円" in plan.request.rule_text
    missing = understood("子ども3人いるけど児童手当いくら？", contacts)
    asking = rules.plan(missing, missing.questions[0], Style())
    assert asking.asking is not None and asking.rule is None and asking.kind in ("compose", "ask_input")


def test_plan_abstains_below_the_evidence_thresholds(search: Search, contacts: ContactBook) -> None:
    far = understood("車検の費用はいくらですか", contacts)
    query = far.questions[0].query
    evidence = search.evidence(query, search.hits(query, "parent"))
    strict = Thresholds(min_dense=evidence.dense + 0.01, min_overlap=0.0)
    plan = Planner(search, contacts, thresholds=strict, cards=True, remote=False).plan(
        far, far.questions[0], Style()
    )
    assert (
        plan.kind == "abstain"
        and plan.note == f"evidence: dense={evidence.dense:.3f} overlap={evidence.overlap:.2f}"
    )
    lenient = Thresholds(min_dense=evidence.dense - 0.01, min_overlap=evidence.overlap - 0.01)
    plan = Planner(search, contacts, thresholds=lenient, cards=True, remote=False).plan(
        far, far.questions[0], Style()
    )
    assert plan.kind == "compose"


def test_plan_refers_another_offices_question(search: Search, contacts: ContactBook) -> None:
    tax = understood("医療費控除のやり方は？", contacts)
    question = Question(tax.questions[0].text, tax.questions[0].query, ScopeDecision("out_tax", 0.9))
    referred = planner(search, contacts).plan(tax, question, Style())
    assert referred.kind == "refer" and referred.label == "out_tax" and referred.request is None


def test_retrieve_filters_by_audience_and_weighs_the_evidence(search: Search) -> None:
    hits = search.hits("児童手当は偶数月に振り込まれますか", "parent")
    assert hits and hits[0].doc_id == "t-teate"
    evidence = search.evidence("児童手当は偶数月に振り込まれますか", hits)
    assert evidence.dense > 0.8 and 0.5 <= evidence.overlap <= 1.0
    old = Hit(chunk_id="c", doc_id="d", title="", source="", heading="", text="", score=1.0,
              metadata={"effective_to": "2024-10-01"})  # fmt: skip
    assert asks_before("令和5年4月の児童手当は？", [old]) and not asks_before("今の児童手当は？", [old])


# -- 6. compose -------------------------------------------------------------------------------------
def test_compose_with_the_extractive_engine_cites_the_pool(
    search: Search, contacts: ContactBook, fallback: ExtractiveEngine
) -> None:
    message = understood(BIRTH, contacts)
    plan = planner(search, contacts).plan(message, message.questions[0], Style())
    composed = Composer(fallback, fallback, contacts).compose(plan)
    assert composed.engine == "extractive" and composed.accepted == 0 and "14日" in composed.text
    assert {c for c, _ in composed.cited} <= {h.chunk_id for h in plan.pool}


@pytest.fixture
def server() -> Iterator[ScriptedLLMServer]:
    """A scripted OpenAI-compatible server on 127.0.0.1."""
    with running() as srv:
        yield srv


def test_compose_counts_a_streamed_draft_as_the_first_attempt(
    server: ScriptedLLMServer, search: Search, contacts: ContactBook, fallback: ExtractiveEngine
) -> None:
    engine = OpenAIEngine(base_url=server.url + "/v1", model="test", api_key=None, timeout=5,
                          prompts_dir=ROOT / "prompts")  # fmt: skip
    message = understood(BIRTH, contacts)
    plan = planner(search, contacts, remote=True).plan(message, message.questions[0], Style())
    assert plan.request is not None
    streamed = OpenAIEngine.draft("出生届は30日以内に出します[1]。", plan.request)
    server.reply(lambda body: f"出生届は14日以内に出します[{source_with(body, '14日以内')}]。")
    composed = Composer(engine, fallback, contacts).compose(plan, first=streamed)
    assert len(server.requests) == 1  # one regeneration after the streamed draft, with feedback
    assert composed.engine == "openai" and composed.accepted == 1 and "14日以内" in composed.text
    assert composed.notes == ["grounding_failed(attempt 1): ungrounded numbers ['30']"]


def test_join_answers_numbers_parts_and_renumbers_marks() -> None:
    def part(text: str, chunk: str) -> Answer:
        quote = Citation(doc_id="d", title="t", source="s", chunk_id=chunk, quote="q")
        return Answer(question="q", mode="answer", answer=text, citations=[quote], engine="extractive")

    joined = join_answers("q", [part("偶数月です[1]", "a"), part("15日以内です[1]", "b")])
    assert joined.answer == "1. 偶数月です[1]\n2. 15日以内です[2]"
    assert [c.chunk_id for c in joined.citations] == ["a", "b"] and "parts:2" in joined.notes


# -- 7. check -------------------------------------------------------------------------------------
def test_check_flags_numbers_not_in_the_cited_evidence() -> None:
    chunk = Hit(chunk_id="c1", doc_id="d", title="t", source="s", heading="h",
                text="出生届は14日以内に出します。", score=1.0)  # fmt: skip
    request = EngineRequest(question=BIRTH, hits=[chunk])
    assert grounding(Draft("14日以内です[1]", [("c1", "")]), request, None).ok
    bad = grounding(Draft("30日以内です[1]", [("c1", "")]), request, None)
    assert not bad.ok and bad.ungrounded == ["30"]


def test_check_quotes_the_chunk_and_hides_document_data(search: Search, contacts: ContactBook) -> None:
    chunk = Hit(chunk_id="c1", doc_id="d", title="t", source="s", heading="h",
                text="出生届は14日以内に出します。窓口は市民課です。", score=1.0)  # fmt: skip
    assert citations([("c1", "別の文")], [chunk])[0].quote == "出生届は14日以内に出します。"
    with pytest.raises(KeyError):
        citations([("not-retrieved", "")], [chunk])
    message = understood(BIRTH, contacts)
    plan = planner(search, contacts).plan(message, message.questions[0], Style())
    composed = Composed("出生届は14日以内です。担当03-9876-5432[1]", [("c1", "")], "openai", pool=[chunk])
    answer = check(plan, composed, contacts)
    assert answer.answer == "出生届は14日以内です。担当〔個人情報〕[1]"
    assert [c.chunk_id for c in answer.citations] == ["c1"] and answer.retrieved == [chunk]
    # A document holding a phone number: neither the quote nor the passage shown beside it repeats it.
    leaky = chunk.model_copy(update={"text": "出生届は14日以内に出します。担当は03-9876-5432です。"})
    composed = Composed(
        "出生届は14日以内です[1]", [("c1", "担当は03-9876-5432です。")], "openai", pool=[leaky]
    )
    answer = check(plan, composed, contacts)
    shown = [answer.answer, *(c.quote for c in answer.citations), *(h.text for h in answer.retrieved)]
    assert not any("9876" in text for text in shown), shown
    assert answer.citations[0].quote == "担当は〔個人情報〕です。"
    assert answer.citations[0].quote in answer.retrieved[0].text


# -- the pipeline -----------------------------------------------------------------------------------
def test_ask_and_ask_stream_run_the_same_stages(
    small_kb: Any, contacts: ContactBook, risk_assessor: Any, scope_reader: Any, splitter: Any
) -> None:
    consultant = Consultant(Retriever(small_kb), contacts, assessor=risk_assessor, scope=scope_reader,
                            splitter=splitter, today=TODAY)  # fmt: skip
    for question in ("児童手当の振込は何月？それと、出生届はいつまでに出す？", "医療費控除のやり方は？"):
        asked = consultant.ask(question).model_dump(mode="json", exclude={"latency_ms", "id"})
        *deltas, final = list(consultant.ask_stream(question))
        streamed = {k: v for k, v in final["answer"].items() if k not in ("latency_ms", "id")}
        assert streamed == asked
        assert "".join(d["text"] for d in deltas) == streamed["answer"]


def test_the_stages_import_nothing_that_imports_them() -> None:
    """consult depends on engines, index, retrieval, rules and safety; none of them on consult."""
    src = ROOT / "src" / "kodomo_ai"
    for folder in ("engines", "index", "rules", "safety", "classify", "text", "ingest"):
        for path in (src / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module:
                    assert not node.module.startswith("kodomo_ai.consult"), path
                if isinstance(node, ast.Import):
                    assert not any(a.name.startswith("kodomo_ai.consult") for a in node.names), path
    # Inside consult the stages never import the pipeline that runs them.
    for path in (src / "consult").glob("*.py"):
        if path.name not in ("pipeline.py", "__init__.py"):
            assert "kodomo_ai.consult.pipeline" not in path.read_text(encoding="utf-8"), path
