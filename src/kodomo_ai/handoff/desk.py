"""The hand-off desk: opens cases, tells parents when someone will read them, and carries replies back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kodomo_ai.handoff.hours import Office, when_text
from kodomo_ai.handoff.store import Case, CaseEntry, HandoffStore, utcnow
from kodomo_ai.handoff.urgency import HIGH
from kodomo_ai.safety.contacts import ContactBook
from kodomo_ai.safety.pii import mask

_MESSAGES = Path(__file__).with_name("messages.yaml")
MAX_ENTRY_CHARS = 4000
# (action, input, output) -> one audit row; the caller knows who acts (principal, key).
Auditor = Callable[[str, str, str], None]
# Delivers a reply to the parent on a channel; returns how it went ("line", "line failed: …").
Courier = Callable[[Case, str], str]


@lru_cache(maxsize=1)
def messages() -> dict[str, Any]:
    """Parent-facing hand-off texts (messages.yaml)."""
    data: dict[str, Any] = yaml.safe_load(_MESSAGES.read_text(encoding="utf-8"))
    return data


def masked(text: str, public: set[str] | None = None) -> str:
    """Text as stored: personal data masked, cut to a stored size."""
    return mask(text or "", public_numbers=public or ()).text[:MAX_ENTRY_CHARS]


class CaseNotFound(KeyError):
    """No case has this number."""


class CaseClosed(ValueError):
    """The case is closed: nothing more can be sent on it."""


@dataclass
class Receipt:
    """A case as the parent learns about it: the case and the text they are sent."""

    case: Case
    text: str
    new: bool = True


class HandoffDesk:
    """Cases for one office; every step is audited through `audit`, replies go out through `couriers`."""

    def __init__(
        self, store: HandoffStore, office: Office, contacts: ContactBook, *, audit: Auditor | None = None,
        couriers: dict[str, Courier] | None = None, clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:  # fmt: skip
        self.store = store
        self.office = office
        self.contacts = contacts
        self.audit = audit or (lambda action, given, result: None)
        self.couriers = couriers or {}
        self.clock = clock

    def _public(self) -> set[str]:
        return self.contacts.numbers()

    # -- parents ---------------------------------------------------------------------------------
    def open(
        self, *, channel: str, transcript: list[tuple[str, str]], urgency: int, reason: str,
        conversation_id: str | None = None, line_user: str | None = None, push_address: str | None = None,
    ) -> Receipt:  # fmt: skip
        """Open a case (or return the parent's open one) with the masked conversation so far."""
        found = self.store.active_case_for(conversation_id=conversation_id, line_user=line_user)
        if found is not None:
            self.store.raise_urgency(found.id, urgency, reason)
            text = messages()["already_open"].format(number=found.number)
            return Receipt(found, text, new=False)
        public = self._public()
        entries = [
            CaseEntry(author=author, kind="message", text=masked(text, public)) for author, text in transcript
        ]
        asked = [e.text for e in entries if e.author == "parent"]
        case = Case(
            urgency=urgency, reason=reason, channel=channel, conversation_id=conversation_id, line_user=line_user,
            push_address=push_address, summary=(asked[-1] if asked else "")[:200], status="open",
        )  # fmt: skip
        case = self.store.open_case(case, entries)
        text = self.receipt_text(case)
        self.audit(
            "handoff_open",
            case.summary,
            f"{case.number} urgency={case.urgency} reason={reason} channel={channel}",
        )
        return Receipt(case, text)

    def receipt_text(self, case: Case) -> str:
        """What the parent is told when the case opens: number, who reads it, when, and other ways to reach."""
        m = messages()
        now = self.clock()
        lines = [m["received"].format(number=case.number, office=self.office.name, where=m["where"][case.channel],
                                      hours=self.office.hours_text())]  # fmt: skip
        if self.office.is_open(now):
            lines.append(m["open_now"])
        else:
            lines.append(m["closed_now"].format(next=when_text(self.office.next_opening(now))))
        if self.office.reach:
            lines.append(m["reach"])
            lines.extend(f"・{r}" for r in self.office.reach)
        if case.urgency >= HIGH:
            lines.append(m["wait_lines"])
            keys = list(m["lines"].get(case.reason, [])) + ["ambulance"]
            lines.extend(f"・{c.name} {c.number}" for c in self.contacts.pick(keys) if c.number)
        else:
            lines.append(m["emergency"])
        return "\n".join(lines)

    def offer_text(self, channel: str) -> str:
        """The hand-off offer added to a despair or abuse escalation."""
        key = "offer_line" if channel == "line" else "offer"
        return str(messages()[key]).format(office=self.office.name)

    def parent_message(self, case: Case, text: str, author: str = "parent") -> None:
        """Add what the parent (or the assistant's answer to them) said on an open case."""
        self.store.add_entry(
            case.id, CaseEntry(author=author, kind="message", text=masked(text, self._public()))
        )

    # -- caseworkers -----------------------------------------------------------------------------
    def find(self, number: str) -> Case:
        """A case by number (CaseNotFound otherwise)."""
        case = self.store.case(number)
        if case is None:
            raise CaseNotFound(number)
        return case

    def reply(self, number: str, text: str, key_id: str | None) -> tuple[Case, CaseEntry]:
        """Store a caseworker's reply (masked) and deliver it (in clear) on the case's channel."""
        case = self.find(number)
        if case.status == "closed":
            raise CaseClosed(number)
        entry = self.store.add_entry(
            case.id, CaseEntry(author="caseworker", kind="reply", text=masked(text, self._public()), key_id=key_id),
            status="answered",
        )  # fmt: skip
        courier = self.couriers.get(case.channel)
        lead = messages()["reply_lead"].format(number=case.number)
        delivery = courier(case, f"{lead}\n{text}") if courier else case.channel
        self.store.set_delivery(entry.id, delivery)
        entry.delivery = delivery
        self.audit("handoff_reply", text, f"{case.number} delivered={delivery}")
        return case, entry

    def note(self, number: str, text: str, key_id: str | None) -> CaseEntry:
        """An internal note on a case (never shown to the parent)."""
        case = self.find(number)
        entry = self.store.add_entry(
            case.id,
            CaseEntry(author="caseworker", kind="note", text=masked(text, self._public()), key_id=key_id),
        )
        self.audit("handoff_note", text, case.number)
        return entry

    def close(self, number: str, key_id: str | None, reason: str = "") -> Case:
        """Close a case: the encrypted push address is erased; the parent is told on LINE."""
        case = self.find(number)
        if case.status == "closed":
            return case
        courier = self.couriers.get(case.channel)
        delivery = ""
        if courier is not None:
            delivery = courier(case, messages()["closed_case"].format(number=case.number))
        self.store.add_entry(
            case.id, CaseEntry(author="caseworker", kind="status", text=masked(reason or "対応を終了しました"),
                               key_id=key_id, delivery=delivery), status="closed",
        )  # fmt: skip
        self.audit("handoff_close", reason, case.number)
        return self.find(number)

    def view(self, case: Case, *, internal: bool) -> dict[str, Any]:
        """A case as JSON: caseworkers see notes too; parents see their messages and the replies."""
        entries = [
            {"at": e.at.isoformat() if e.at else "", "author": e.author, "kind": e.kind, "text": e.text,
             "delivery": e.delivery}
            for e in self.store.entries(case.id)
            if internal or e.kind in ("message", "reply")
        ]  # fmt: skip
        return {
            "number": case.number, "status": case.status, "urgency": case.urgency, "reason": case.reason,
            "channel": case.channel, "created_at": case.created_at.isoformat() if case.created_at else "",
            "summary": case.summary, "entries": entries,
        }  # fmt: skip
