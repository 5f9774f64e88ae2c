"""What the gap loop stores: one signal per answered question, and the card drafts made from gaps."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kodomo_ai.tables import TableStore, utcnow

__all__ = ["CardDraft", "GapStore", "Signal", "utcnow"]
DRAFT_STATUSES = ("draft", "approved", "live", "rejected")
GAP_KINDS = ("abstain", "low_confidence", "thumbs_down")


class GapBase(DeclarativeBase):
    """Declarative base of the gap tables (created on the service database's engine)."""


class Signal(GapBase):
    """How one question was answered (masked question, mode, the pipeline's notes), for the gap report."""

    __tablename__ = "answer_signals"
    answer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    conversation_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    channel: Mapped[str] = mapped_column(String(8), default="web")
    audience: Mapped[str] = mapped_column(String(20), default="parent")
    question: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(20), default="")
    kind: Mapped[str] = mapped_column(String(20), default="", index=True)  # "" when nothing was missing
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)


class CardDraft(GapBase):
    """A knowledge card written from a gap topic, through review: draft → approved → live (or rejected)."""

    __tablename__ = "card_drafts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    topic: Mapped[str] = mapped_column(Text, default="")
    card: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    author_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reviewer_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)


class GapStore(TableStore):
    """Signals and drafts on the service database; each call is one transaction."""

    metadata = GapBase.metadata

    def record(self, signal: Signal) -> None:
        """Store one answer's signal."""
        with self.session() as session:
            session.merge(signal)

    def signals(
        self, since: dt.datetime, until: dt.datetime, *, kinds: tuple[str, ...] = GAP_KINDS
    ) -> list[Signal]:
        """Signals of the period [since, until) of the given kinds, oldest first."""
        query = select(Signal).where(Signal.at >= since, Signal.at < until, Signal.kind.in_(kinds))
        with self.session() as session:
            return list(session.scalars(query.order_by(Signal.at)))

    def signal(self, answer_id: str) -> Signal | None:
        """One answer's signal."""
        with self.session() as session:
            return session.get(Signal, answer_id)

    def conversation_signals(self, conversation_id: str) -> list[Signal]:
        """The signals of one conversation, oldest first."""
        with self.session() as session:
            query = select(Signal).where(Signal.conversation_id == conversation_id).order_by(Signal.at)
            return list(session.scalars(query))

    def add_draft(self, draft: CardDraft) -> CardDraft:
        """Store a new draft."""
        with self.session() as session:
            session.add(draft)
        return draft

    def draft(self, draft_id: str) -> CardDraft | None:
        """One draft."""
        with self.session() as session:
            return session.get(CardDraft, draft_id)

    def drafts(self, status: str | None = None) -> list[CardDraft]:
        """Drafts, newest first (of one status when given)."""
        query = select(CardDraft).order_by(CardDraft.created_at.desc())
        if status is not None:
            query = query.where(CardDraft.status == status)
        with self.session() as session:
            return list(session.scalars(query))

    def update_draft(self, draft_id: str, event: dict[str, Any], **values: Any) -> CardDraft:
        """Change a draft's fields and append `event` to its history, in one transaction."""
        with self.session() as session:
            row = session.get(CardDraft, draft_id)
            if row is None:
                raise KeyError(draft_id)
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            row.history = [*(row.history or []), {**event, "at": utcnow().isoformat()}]
            return row
