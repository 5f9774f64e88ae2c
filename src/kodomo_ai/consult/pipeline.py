"""The Consultant runs the stages in order: route → mask → understand → plan → retrieve → compose → check."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

from kodomo_ai.classify.asked import AskedTypeReader, load_asked_reader
from kodomo_ai.consult.check import check
from kodomo_ai.consult.compose import Composer, join_answers
from kodomo_ai.consult.mask import mask_for_log, mask_message
from kodomo_ai.consult.plan import Plan, Planner, Style, Thresholds
from kodomo_ai.consult.retrieve import Search
from kodomo_ai.consult.route import (
    Routing,
    alarm_rest,
    injection_rest,
    read_message,
    route_message,
    routed_answer,
    with_rest,
    with_safety,
)  # fmt: skip
from kodomo_ai.consult.understand import QuestionSplitter, Understood, load_splitter, rewrite, understand
from kodomo_ai.engines.base import AnswerEngine, Draft
from kodomo_ai.engines.extractive import ExtractiveEngine
from kodomo_ai.engines.openai_compat import OpenAIEngine
from kodomo_ai.engines.registry import get_engine
from kodomo_ai.errors import EngineError, InputError
from kodomo_ai.retrieval import Retriever
from kodomo_ai.rules.tables import load_municipality
from kodomo_ai.safety.contacts import ContactBook, load_contacts
from kodomo_ai.schema import Answer, Hit

if TYPE_CHECKING:
    from kodomo_ai.classify.risk import RiskAssessor
    from kodomo_ai.classify.scope import ScopeReader

audit = logging.getLogger("kodomo_ai.audit")
# Streamed pieces end after each citation mark or line break, and join back to the exact answer.
_PIECE_END = re.compile(r"(?<=\n)|(?<=\])(?!\[)")


class Consultant:
    """The consultation pipeline over one knowledge base; safe to share between threads."""

    def __init__(
        self, retriever: Retriever, contacts: ContactBook, *, assessor: RiskAssessor,
        scope: ScopeReader | None = None, splitter: QuestionSplitter | None = None,
        asked: AskedTypeReader | None = None, engine: AnswerEngine | None = None,
        municipality: str | None = "midori", k: int = 6, thresholds: Thresholds | None = None,
        today: dt.date | None = None,
    ) -> None:  # fmt: skip
        self.retriever = retriever
        self.contacts = contacts
        embed = retriever.kb.embedder.embed_batch
        self.fallback = ExtractiveEngine(
            embed=lambda texts, kind: embed(texts, kind=kind), asked=asked.probabilities if asked else None
        )
        self.engine = engine or self.fallback
        self.municipality = municipality
        self.municipality_name = municipality_name(municipality) if municipality else ""
        self.k = k
        self.thresholds = thresholds or Thresholds()
        self.assessor = assessor
        self.scope = scope
        self.splitter = splitter
        self.search = Search(retriever, municipality=municipality, k=k, today=today)
        self.planner = Planner(
            self.search, contacts, thresholds=self.thresholds, cards=self.engine is self.fallback,
            remote=self.engine.remote,
        )  # fmt: skip
        self.composer = Composer(self.engine, self.fallback, contacts)

    @classmethod
    def from_settings(cls, settings: Any, engine: str | None = None) -> Consultant:
        """Build the pipeline the settings describe (index, contacts, engine)."""
        from kodomo_ai.runtime import open_retriever, open_risk_assessor, open_scope_reader

        retriever = open_retriever(settings)
        assessor = open_risk_assessor(settings)
        scope = open_scope_reader(settings)
        splitter = load_splitter(settings.training_dir / "understand" / "compound.yaml")
        asked = load_asked_reader(settings.training_dir / "understand" / "asked_type.yaml")
        contacts = load_contacts(settings.corpus_dir / "contacts" / "contacts.md")
        name = engine or settings.engine
        chosen = None if name == "extractive" else get_engine(name, settings)
        return cls(
            retriever, contacts, engine=chosen, municipality=settings.municipality, k=settings.top_k,
            assessor=assessor, scope=scope, splitter=splitter, asked=asked,
        )  # fmt: skip

    @property
    def today(self) -> dt.date:
        """The date rules are judged on (fixed in tests)."""
        return self.search.today

    rewrite = staticmethod(rewrite)

    def retrieve(self, query: str, audience: str) -> list[Hit]:
        """Hits for the question as the answer uses them (see Search.hits)."""
        return self.search.hits(query, audience)

    def evidence_strength(self, query: str, hits: list[Hit]) -> tuple[float, float]:
        """(best dense similarity, share of query words found in the top hits)."""
        evidence = self.search.evidence(query, hits)
        return evidence.dense, evidence.overlap

    # -- the stages -----------------------------------------------------------------------------
    def ask(
        self, question: str, *, audience: str = "parent", history: list[dict[str, str]] | None = None,
        plain: bool = False, language: str = "ja", qid: str | None = None,
    ) -> Answer:  # fmt: skip
        """Answer one question (with optional conversation history)."""
        started = time.perf_counter()
        style = Style(audience, plain, language)
        routing = self._route(question, audience)
        if routing.stops:
            answer = self._routed(routing, audience)
        else:
            understood = self._understand(routing, history)
            answer = with_safety(self._answer(understood, style), understood.note)
        answer.id = qid
        return self._done(answer, audience, started)

    def ask_stream(
        self, question: str, *, audience: str = "parent", history: list[dict[str, str]] | None = None,
        plain: bool = False, language: str = "ja",
    ) -> Iterator[dict[str, Any]]:  # fmt: skip
        """Events: {"type": "delta", "text"} as the engine writes, then {"type": "final", "answer"}.

        The same stages as `ask`. The final answer is the checked one: if the streamed draft fails the
        grounding check, the final event carries the replacement and says so in its notes.
        """
        started = time.perf_counter()
        style = Style(audience, plain, language)
        routing = self._route(question, audience)
        if routing.stops:  # a routed answer is final as it is
            answer = self._routed(routing, audience)
            yield {"type": "delta", "text": answer.answer}
            yield {"type": "final", "answer": self._done(answer, audience, started).model_dump(mode="json")}
            return
        understood = self._understand(routing, history)
        if understood.note is not None:  # the gray-zone lines come before anything else is streamed
            yield {"type": "delta", "text": f"{understood.note.message}\n\n"}
        plan = None
        if len(understood.questions) == 1 and self.engine is not self.fallback:
            plan = self.planner.plan(understood, understood.questions[0], style)
        if plan is not None and plan.kind == "compose":
            answer = yield from self._streamed(plan)
        else:
            answer = (
                self.composer.answer(plan, style) if plan is not None else self._answer(understood, style)
            )
            for piece in _PIECE_END.split(answer.answer):
                if piece:
                    yield {"type": "delta", "text": piece}
        answer = with_safety(answer, understood.note)
        yield {"type": "final", "answer": self._done(answer, audience, started).model_dump(mode="json")}

    def _route(self, question: str, audience: str) -> Routing:
        """Stage 1: the message read and routed."""
        return route_message(read_message(question, audience), self.contacts, self.assessor)

    def _understand(self, routing: Routing, history: list[dict[str, str]] | None) -> Understood:
        """Stages 2 and 3: mask the message and its history, then read the questions it asks."""
        return understand(mask_message(routing, history, self.contacts), self.splitter, self.scope)

    def _answer(self, understood: Understood, style: Style) -> Answer:
        """Stages 4 to 7 for each question of the message, in order (most messages ask one)."""
        answers = [
            self.composer.answer(self.planner.plan(understood, q, style), style) for q in understood.questions
        ]
        return answers[0] if len(answers) == 1 else join_answers(understood.question, answers)

    def _routed(self, routing: Routing, audience: str) -> Answer:
        """The router's reply; the legitimate rest of the message is still answered when there is one."""
        answer = routed_answer(routing)
        style = Style(audience)
        if (rest := injection_rest(routing, self.contacts, self.assessor)) is not None:
            # An instruction planted in a question is ignored; the legitimate part is still answered.
            follow = self._route(rest, audience)
            if follow.stops:
                return answer
            ignored = self._answer(self._understand(follow, None), style)
            ignored.question = routing.question
            ignored.notes.append("instruction_ignored")
            return ignored
        if (rest := alarm_rest(routing)) is not None:
            # The alarm was one sentence of a longer message: the lines come first, then the rest is answered.
            follow = self._route(rest, audience)
            if follow.decision is None:
                extra = self._answer(self._understand(follow, None), style)
                if extra.mode == "answer":
                    return with_rest(answer, extra)
        return answer

    def _streamed(self, plan: Plan) -> Generator[dict[str, Any], None, Answer]:
        """Stream the engine's draft; it is the first attempt of compose, checked like any other."""
        assert plan.request is not None
        pieces: list[str] = []
        first: Draft | EngineError
        try:
            for piece in self.engine.stream(plan.request):
                pieces.append(piece)
                yield {"type": "delta", "text": piece}
            first = OpenAIEngine.draft("".join(pieces), plan.request)
        except EngineError as exc:
            first = exc
        composed = self.composer.compose(plan, first=first)
        if composed.accepted != 0:  # clients replace the streamed text with the final one
            composed.notes = ["stream_replaced", *composed.notes]
        return check(plan, composed, self.contacts)

    def _done(self, answer: Answer, audience: str, started: float) -> Answer:
        """Stamp the latency and write the audit line (personal data masked)."""
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        audit.info(
            "consult",
            extra={
                "question": mask_for_log(answer.question, self.contacts), "mode": answer.mode,
                "engine": answer.engine, "audience": audience, "latency_ms": answer.latency_ms,
                "sources": [c.doc_id for c in answer.citations],
            },
        )  # fmt: skip
        return answer


def municipality_name(municipality: str) -> str:
    """The Japanese name of a configured municipality (みどり市 for "midori"), or "" when it has no tables."""
    try:
        return str(load_municipality(municipality).name)
    except InputError:  # a municipality without rule tables still gets national answers
        return ""
