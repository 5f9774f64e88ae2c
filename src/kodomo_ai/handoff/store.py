"""Hand-off cases and their entries, in the service database (same engine as the API's storage)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kodomo_ai.tables import TableStore, utcnow

__all__ = ["Case", "CaseEntry", "HandoffStore", "utcnow"]
STATUSES = ("open", "answered", "closed")
URGENCY_LABELS = {2: "高", 1: "通常"}


def aware(moment: dt.datetime) -> dt.datetime:
    """A stored time as UTC-aware (SQLite returns naive datetimes)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class HandoffBase(DeclarativeBase):
    """Declarative base of the hand-off tables (created on the service database's engine)."""


class Case(HandoffBase):
    """A parent's request to talk to a person: who (hashed), how urgent, which channel, its status."""

    __tablename__ = "handoff_cases"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    urgency: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str] = mapped_column(String(40), default="handoff")
    channel: Mapped[str] = mapped_column(String(8), default="web")
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # LINE users are known only by a salted hash; the push address is encrypted and erased at closing.
    line_user: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    push_address: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CaseEntry(HandoffBase):
    """One line of a case: the parent's (masked) message, a caseworker's reply or note, a status change."""

    __tablename__ = "handoff_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(32), ForeignKey("handoff_cases.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author: Mapped[str] = mapped_column(String(12))  # parent | assistant | caseworker | system
    kind: Mapped[str] = mapped_column(String(12))  # message | reply | note | status
    text: Mapped[str] = mapped_column(Text, default="")
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    delivery: Mapped[str] = mapped_column(String(200), default="")  # "web", "line", "line failed: …"


def new_number(now: dt.datetime) -> str:
    """A case number a parent can read out on the phone: date and four random digits (261204-0731)."""
    return f"{now:%y%m%d}-{secrets.randbelow(10000):04d}"


class HandoffStore(TableStore):
    """Cases and entries on the service database; each call is one transaction."""

    metadata = HandoffBase.metadata

    def open_case(self, case: Case, entries: list[CaseEntry]) -> Case:
        """Store a new case with its first entries; the number is drawn again on the rare clash."""
        for _attempt in range(20):
            case.id = uuid.uuid4().hex
            case.number = new_number(utcnow())
            for entry in entries:
                entry.case_id = case.id
            try:
                with self.session() as session:
                    session.add(case)
                    session.add_all(entries)
                return case
            except IntegrityError:
                continue
        raise RuntimeError("could not draw a free case number")

    def add_entry(self, case_id: str, entry: CaseEntry, *, status: str | None = None) -> CaseEntry:
        """Append an entry (and optionally change the case's status) in one transaction."""
        with self.session() as session:
            case = session.get(Case, case_id)
            if case is None:
                raise KeyError(case_id)
            entry.case_id = case_id
            session.add(entry)
            case.updated_at = utcnow()
            if status is not None:
                case.status = status
            if status == "closed":
                case.closed_at = utcnow()
                case.push_address = None
        return entry

    def set_delivery(self, entry_id: int, delivery: str) -> None:
        """Record how an entry reached the parent."""
        with self.session() as session:
            row = session.get(CaseEntry, entry_id)
            if row is not None:
                row.delivery = delivery[:200]

    def raise_urgency(self, case_id: str, urgency: int, reason: str) -> None:
        """Make a case more urgent (never less)."""
        with self.session() as session:
            case = session.get(Case, case_id)
            if case is not None and urgency > case.urgency:
                case.urgency, case.reason = urgency, reason

    def case(self, number_or_id: str) -> Case | None:
        """A case by its number or id."""
        with self.session() as session:
            found = session.scalar(select(Case).where(Case.number == number_or_id))
            return found or session.get(Case, number_or_id)

    def entries(self, case_id: str) -> list[CaseEntry]:
        """A case's entries, oldest first."""
        with self.session() as session:
            query = select(CaseEntry).where(CaseEntry.case_id == case_id).order_by(CaseEntry.id)
            return list(session.scalars(query))

    def cases(self, status: str | None = None, limit: int = 200) -> list[Case]:
        """Cases, most urgent first, then oldest first (who has waited longest); all when status is None."""
        query = select(Case).order_by(Case.urgency.desc(), Case.created_at)
        if status == "active":
            query = query.where(Case.status != "closed")
        elif status is not None:
            query = query.where(Case.status == status)
        with self.session() as session:
            return list(session.scalars(query.limit(limit)))

    def active_case_for(
        self, *, conversation_id: str | None = None, line_user: str | None = None
    ) -> Case | None:
        """The parent's case that is not closed yet (by conversation or by hashed LINE user)."""
        query = select(Case).where(Case.status != "closed").order_by(Case.created_at.desc())
        if line_user is not None:
            query = query.where(Case.line_user == line_user)
        elif conversation_id is not None:
            query = query.where(Case.conversation_id == conversation_id)
        else:
            return None
        with self.session() as session:
            return session.scalar(query.limit(1))
