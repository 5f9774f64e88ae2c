"""People in the loop around each answer: gap signals, hand-off offers and cases, for the web and LINE.

Hand-off lives here, around the consult call, not inside consult: the answer's notes carry the route,
the gray-zone note and the learned scope label, which is all the desk needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kodomo_ai.api.auth import Principal
from kodomo_ai.api.deps import AppState
from kodomo_ai.api.records import audit_entry, record_answer
from kodomo_ai.api.storage import new_id
from kodomo_ai.gaps.signals import signal_from
from kodomo_ai.gaps.store import GapStore
from kodomo_ai.handoff.desk import Courier, HandoffDesk, Receipt
from kodomo_ai.handoff.hours import load_office
from kodomo_ai.handoff.store import Case, HandoffStore
from kodomo_ai.handoff.urgency import HIGH, Need, read_need
from kodomo_ai.safety.contacts import ContactBook, load_contacts
from kodomo_ai.safety.pii import mask


@lru_cache(maxsize=4)
def _contacts(path: Path) -> ContactBook:
    return load_contacts(path)


@dataclass
class LineLink:
    """A configured LINE channel: secret for signatures, the sender, and how user ids are hashed and sealed."""

    secret: str
    sender: Any  # kodomo_ai.line.sender.LineSender (imported lazily: the SDK is only needed with LINE on)
    identity: Any  # kodomo_ai.line.identity.LineIdentity

    def courier(self, case: Case, text: str) -> str:
        """Push a text to the parent of a LINE case; "line" when it went out."""
        from kodomo_ai.line.messages import text_messages

        user = self.identity.open(case.push_address) if case.push_address else None
        if not user:
            return "line failed: no push address"
        result = self.sender.push(user, text_messages(text))
        return "line" if result == "ok" else f"line {result}"


@dataclass
class People:
    """The app's hand-off store, gap store and LINE link (built once per app)."""

    handoff: HandoffStore
    gaps: GapStore
    contacts: ContactBook
    line: LineLink | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def people(state: AppState) -> People:
    """The People services of this app, built on first use on the service database's engine."""
    found: People | None = getattr(state, "_people", None)
    if found is None:
        settings = state.settings
        found = People(
            HandoffStore(state.storage.engine), GapStore(state.storage.engine),
            _contacts(Path(settings.corpus_dir) / "contacts" / "contacts.md"), line_link(settings),
        )  # fmt: skip
        state._people = found  # type: ignore[attr-defined]
    return found


def line_link(settings: Any) -> LineLink | None:
    """The LINE channel of these settings, or None when the secret or the token is not set."""
    secret = getattr(settings, "line_channel_secret", None)
    token = getattr(settings, "line_channel_access_token", None)
    if not secret or not token:
        return None
    from kodomo_ai.line.identity import LineIdentity, identity_secret
    from kodomo_ai.line.sender import LineSender

    key = identity_secret(getattr(settings, "line_id_secret", None), Path(settings.data_dir))
    return LineLink(secret, LineSender(token, settings.line_api_base_url), LineIdentity(key))


def auditor(state: AppState, principal: Principal) -> Callable[[str, str, str], None]:
    """One audit row per step, as `principal`: (action, what was given, what came of it), masked."""

    def audit(action: str, given: str, result: str) -> None:
        state.storage.record_audit(audit_entry(principal, action, input=given, output=result))

    return audit


def desk_for(state: AppState, principal: Principal) -> HandoffDesk:
    """A desk whose every step is audited as `principal`, delivering LINE replies by push."""
    services = people(state)
    couriers: dict[str, Courier] = {"line": services.line.courier} if services.line else {}
    office = load_office(state.settings.municipality)
    return HandoffDesk(
        services.handoff, office, services.contacts, audit=auditor(state, principal), couriers=couriers
    )


@dataclass
class AfterAnswer:
    """What the parent gets beyond the answer: a case receipt, a hand-off offer, or nothing."""

    need: Need
    receipt: Receipt | None = None
    offer: str = ""

    @property
    def replaces(self) -> bool:
        """True when the answer was only the generic "call your office" referral: the receipt says it better."""
        return self.receipt is not None and self.receipt.new and self.need.reason == "handoff"

    @property
    def text(self) -> str:
        """The text to add below the answer."""
        return self.receipt.text if self.receipt is not None else self.offer


def conversation_urgency(state: AppState, conversation_id: str) -> Need:
    """The most urgent need shown earlier in a conversation (a despair escalation makes a later case urgent)."""
    best = Need("none")
    for signal in people(state).gaps.conversation_signals(conversation_id):
        need = read_need(list(signal.notes or []))
        if need.kind in ("offer", "request") and need.urgency > best.urgency:
            best = need
    return best


def transcript(state: AppState, conversation_id: str) -> list[tuple[str, str]]:
    """The masked turns of a conversation as (author, text), for the case."""
    out: list[tuple[str, str]] = []
    for turn in state.storage.conversation(conversation_id):
        out.extend([("parent", turn.question), ("assistant", turn.answer)])
    return out


def open_case(
    state: AppState, principal: Principal, *, channel: str, conversation_id: str, urgency: int, reason: str,
    line_user: str | None = None, push_address: str | None = None, current: str = "",
) -> Receipt:  # fmt: skip
    """Open (or find) the parent's case with the conversation so far; urgency is the conversation's highest."""
    earlier = conversation_urgency(state, conversation_id)
    if earlier.urgency > urgency:
        urgency, reason = earlier.urgency, earlier.reason
    turns = transcript(state, conversation_id) + ([("parent", current)] if current else [])
    return desk_for(state, principal).open(
        channel=channel, transcript=turns, urgency=urgency, reason=reason,
        conversation_id=conversation_id, line_user=line_user, push_address=push_address,
    )  # fmt: skip


def after_answer(
    state: AppState, principal: Principal, answer: dict[str, Any], *, conversation_id: str,
    channel: str = "web", line_user: str | None = None, push_address: str | None = None,
) -> AfterAnswer:  # fmt: skip
    """Offer, open or continue a hand-off case for an answer (before it is stored, so the stored answer
    is what the parent saw).

    Emergencies (119 / #8000 routes) never open a case: the lines are the answer, at once.
    """
    need = read_need([str(n) for n in answer.get("notes") or []])
    if need.kind == "emergency" or principal.role != "parent":
        return AfterAnswer(need)
    question = str(answer.get("question") or "")
    if need.kind == "offer" and _asks_for_person(state, question):
        need = Need("request", HIGH, need.reason)
    desk = desk_for(state, principal)
    if need.kind == "request":
        receipt = open_case(
            state, principal, channel=channel, conversation_id=conversation_id, urgency=need.urgency,
            reason=need.reason, line_user=line_user, push_address=push_address, current=question,
        )  # fmt: skip
        if not receipt.new:
            desk.parent_message(receipt.case, question)
        return AfterAnswer(need, receipt=receipt)
    case = people(state).handoff.active_case_for(
        conversation_id=None if line_user else conversation_id, line_user=line_user
    )
    if case is not None:  # the parent keeps writing on an open case: the caseworker sees it
        desk.parent_message(case, question)
        if need.kind == "offer":
            people(state).handoff.raise_urgency(case.id, need.urgency, need.reason)
        return AfterAnswer(need)
    if need.kind == "offer":
        return AfterAnswer(need, offer=desk.offer_text(channel))
    return AfterAnswer(need)


def record_signal(
    state: AppState, principal: Principal, answer: dict[str, Any], *, answer_id: str, conversation_id: str,
    channel: str = "web",
) -> None:  # fmt: skip
    """Keep how a parent's question was answered, for the knowledge-gap report."""
    if principal.role == "parent":
        signal = signal_from(answer, answer_id=answer_id, conversation_id=conversation_id, channel=channel)
        people(state).gaps.record(signal)


def record_with_people(
    state: AppState, principal: Principal, data: dict[str, Any], *, audience: str, conversation_id: str | None,
    action: str,
) -> tuple[dict[str, Any], str, str]:  # fmt: skip
    """The web consult's storing step: hand-off first, then the turn as shown, then the gap signal.

    Returns (the answer as shown, conversation_id, answer_id).
    """
    conversation = conversation_id or new_id()
    shown = web_response(data, after_answer(state, principal, data, conversation_id=conversation))
    conversation, answer_id = record_answer(
        state.storage, principal, shown, audience=audience, conversation_id=conversation, action=action,
        public=people(state).contacts.numbers(),
    )  # fmt: skip
    record_signal(state, principal, shown, answer_id=answer_id, conversation_id=conversation)
    return shown, conversation, answer_id


def _asks_for_person(state: AppState, question: str) -> bool:
    """A despair or abuse message that also asks for a person (the learned scope label, on the masked text)."""
    scope = state.consultant().scope
    if scope is None or not question:
        return False
    decision = scope.read(mask(question).text)
    return decision is not None and decision.label == "handoff"


def web_response(data: dict[str, Any], extra: AfterAnswer) -> dict[str, Any]:
    """The consult JSON with the receipt or offer below the answer and a note naming the case."""
    if not extra.text:
        return data
    notes = list(data.get("notes") or [])
    if extra.receipt is not None:
        notes.append(f"handoff_case:{extra.receipt.case.number}")
    else:
        notes.append("handoff_offer")
    return {**data, "answer": shown_text(str(data.get("answer") or ""), extra), "notes": notes}


def shown_text(answer: str, extra: AfterAnswer) -> str:
    """The answer with the receipt or offer below it (or the receipt alone instead of the generic referral)."""
    if extra.replaces or not answer:
        return extra.text
    return f"{answer}\n\n{extra.text}" if extra.text else answer
