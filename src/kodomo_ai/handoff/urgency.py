"""What an answer means for hand-off: an emergency (never the inbox), a hand-off offer, or a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Routes whose answer is a phone line now (119 / #8000): a case would only delay the call.
EMERGENCY_ROUTES = frozenset({"emergency", "urgent_medical"})
# Escalations where a person should be offered (despair, self-reported or suspected abuse): urgent cases.
OFFER_ROUTES = frozenset({"despair", "abuse", "nursery_abuse"})
HIGH, NORMAL = 2, 1

Kind = Literal["emergency", "offer", "request", "none"]


@dataclass(frozen=True)
class Need:
    """What the desk should do with one answer: kind, the urgency a case would get, and why."""

    kind: Kind
    urgency: int = NORMAL
    reason: str = "handoff"


def _labels(notes: list[str], prefix: str) -> list[str]:
    return [n.split(":", 1)[1].split()[0] for n in notes if n.startswith(prefix)]


def read_need(notes: list[str]) -> Need:
    """The need an answer's notes show: route:<category>, safety_note:<category>, scope:handoff."""
    routes = _labels(notes, "route:")
    if any(r in EMERGENCY_ROUTES for r in routes):
        return Need("emergency", HIGH, next(r for r in routes if r in EMERGENCY_ROUTES))
    flagged = [r for r in [*routes, *_labels(notes, "safety_note:")] if r in OFFER_ROUTES]
    if "handoff" in _labels(notes, "scope:"):
        return Need("request", HIGH if flagged else NORMAL, flagged[0] if flagged else "handoff")
    if flagged:
        return Need("offer", HIGH, flagged[0])
    return Need("none")
