"""Which answers show a gap in what we know: abstentions and answers no knowledge card backed."""

from __future__ import annotations

from typing import Any

from kodomo_ai.gaps.store import Signal
from kodomo_ai.safety.pii import mask


def gap_kind(answer: dict[str, Any]) -> str:
    """ "abstain", "low_confidence" or "" for one answer (the consult JSON).

    Stated rule, no tuned number: an abstention is a gap unless it was a referral to another office
    (tax, employment …: not ours to know); an answer is low-confidence when no knowledge card matched and no
    rule computed it, so it rests only on sentences picked from the documents (the card layer did not know it).
    """
    notes = [str(n) for n in answer.get("notes") or []]
    scopes = [n.split(":", 1)[1] for n in notes if n.startswith("scope:")]
    if answer.get("mode") == "abstain":
        return "" if any(s.startswith("out_") for s in scopes) else "abstain"
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
