"""Stage 1, route: read the message and let the safety router decide first (no LLM, never skipped)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kodomo_ai.classify.risk import split_segments
from kodomo_ai.errors import InputError
from kodomo_ai.ingest.normalise import normalise_text
from kodomo_ai.safety.contacts import ContactBook
from kodomo_ai.safety.injection import detect_injection
from kodomo_ai.safety.router import RouteDecision, route
from kodomo_ai.schema import Answer, Escalation

if TYPE_CHECKING:
    from kodomo_ai.classify.risk import RiskAssessor

MAX_QUESTION_CHARS = 2000
AUDIENCES = ("parent", "caseworker", "trainer")
# Shorter leftovers of a message are greetings or fragments, not a question worth answering.
MIN_REST_CHARS = 8


@dataclass
class Routing:
    """The router's verdict on one message: stop with its reply, or go on (with a gray-zone note)."""

    question: str  # the user's words, normalised
    decision: RouteDecision | None = None

    @property
    def stops(self) -> bool:
        """True when the router answers the message itself (escalate or refuse)."""
        return self.decision is not None and self.decision.mode != "note"

    @property
    def note(self) -> RouteDecision | None:
        """The gray-zone decision whose lines go above the answer, if any."""
        return self.decision if self.decision is not None and self.decision.mode == "note" else None


def read_message(question: str, audience: str) -> str:
    """The normalised message, or InputError for an unknown audience or an empty or too long message."""
    if audience not in AUDIENCES:
        raise InputError("audience", f"parent / caseworker / trainer のいずれかにしてください: {audience!r}")
    text = normalise_text(question or "")
    if not text:
        raise InputError("question", "質問が空です")
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError("question", f"質問が長すぎます（{len(text)}文字、上限{MAX_QUESTION_CHARS}文字）")
    return text


def route_message(question: str, contacts: ContactBook, assessor: RiskAssessor) -> Routing:
    """Route the raw words before anything else can go wrong."""
    return Routing(question, route(question, contacts, assessor))


def routed_answer(routing: Routing) -> Answer:
    """The router's own reply: the lines to call, or a refusal with where to go."""
    decision = routing.decision
    assert decision is not None
    escalation = (
        Escalation(reason=decision.reason, contacts=list(decision.contacts)) if decision.contacts else None
    )
    return Answer(
        question=routing.question, mode="refuse" if decision.mode == "refuse" else "escalate",
        answer=decision.message, escalation=escalation, engine="router",
        notes=[f"route:{decision.category}", *decision.signals],
    )  # fmt: skip


def injection_rest(routing: Routing, contacts: ContactBook, assessor: RiskAssessor) -> str | None:
    """The legitimate part of a message with a planted instruction, when it is long enough and routes clean."""
    decision = routing.decision
    if decision is None or decision.category != "refuse_injection":
        return None
    kept = [
        s for s in split_segments(routing.question)[1:] if s != decision.segment and not detect_injection(s)
    ]
    rest = "".join(kept)
    if len(rest) < MIN_REST_CHARS:
        return None
    again = route(rest, contacts, assessor)
    return rest if again is None or again.mode == "note" else None


def alarm_rest(routing: Routing) -> str | None:
    """The rest of a message whose alarm was one sentence of it: still worth answering after the lines."""
    decision = routing.decision
    if decision is None or decision.mode != "escalate" or not decision.segment:
        return None
    rest = routing.question.replace(decision.segment, " ").strip()
    return rest if len(rest) >= MIN_REST_CHARS else None


def with_rest(answer: Answer, extra: Answer) -> Answer:
    """The lines come first, then the answer to the rest of the message."""
    answer.answer = f"{answer.answer}\n\n{extra.answer}"
    answer.citations = extra.citations
    answer.retrieved = extra.retrieved
    answer.notes.append("answered_rest")
    return answer


def with_safety(answer: Answer, note: RouteDecision | None) -> Answer:
    """A gray-zone message keeps its answer (or abstention) with the safety lines shown first."""
    if note is None:
        return answer
    answer.answer = f"{note.message}\n\n{answer.answer}"
    answer.escalation = Escalation(reason=note.reason, contacts=list(note.contacts))
    answer.notes = [*answer.notes, f"safety_note:{note.category}"]
    return answer
