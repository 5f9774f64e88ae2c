"""Which answers show a gap in what we know: abstentions and answers no knowledge card backed."""

from __future__ import annotations

from typing import Any

from kodomo_ai.classify.scope import OUT_OF_SCOPE
from kodomo_ai.gaps.store import Signal
from kodomo_ai.safety.pii import mask

# Scope labels whose answer sends the parent to another office by name (consult/referrals.yaml).
REFERRED_ELSEWHERE = tuple(label for label in OUT_OF_SCOPE if label != "out_other")


def gap_kind(answer: dict[str, Any]) -> str:
    """ "abstain", "low_confidence" or "" for one answer (the consult JSON).

    Stated rule, no tuned number: an abstention is a gap unless it was a referral to a named other office
    (tax, employment, health insurance, a doctor, legal: not ours to know). `out_other` names no office (the
    parent only hears that the service cannot answer), so it is a gap. An answer is low-confidence when no
    knowledge card matched and no rule computed it, so it rests only on sentences picked from the documents
    (the card layer did not know it).
    """
    notes = [str(n) for n in answer.get("notes") or []]
    scopes = [n.split(":", 1)[1] for n in notes if n.startswith("scope:")]
    if answer.get("mode") == "abstain":
        return "" if any(s in REFERRED_ELSEWHERE for s in scopes) else "abstain"
    if answer.get("mode") != "answer" or scopes or answer.get("rule_results"):
        return ""
    if any(n.startswith(("card:", "needs_input", "route:", "safety_note:")) for n in notes):
        return ""
    return "low_confidence" if answer.get("engine") != "rules" else ""


def signal_from(
    answer: dict[str, Any], *, answer_id: str, conversation_id: str, channel: str, audience: str = "parent"
) -> Signal:
    """The stored signal of one answer (question masked again: this row may outlive the conversation)."""
    return Signal(
        answer_id=answer_id, conversation_id=conversation_id, channel=channel, audience=audience,
        question=mask(str(answer.get("question") or "")).text[:2000], mode=str(answer.get("mode") or ""),
        kind=gap_kind(answer), notes=[str(n)[:200] for n in answer.get("notes") or []][:20],
    )  # fmt: skip
