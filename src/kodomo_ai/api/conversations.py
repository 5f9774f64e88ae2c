"""Parents' saved conversations: each browser lists, resumes and deletes its own, kept for a set number of days."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select

from kodomo_ai.api.records import MAX_STORED_CHARS, answer_numbers, masked
from kodomo_ai.api.storage import ConversationTurn, SavedTurn, Storage, utcnow

# The UI sends a random id per browser (kept in a cookie); only its hash is stored.
BROWSER_HEADER = "X-Browser-Id"
BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
TITLE_CHARS = 40
MAX_PASSAGE_CHARS = 4000


def owner_of(browser_id: str) -> str:
    """The stored owner of a browser id (SHA-256, so the database never holds an id that opens the list)."""
    return hashlib.sha256(browser_id.encode("ascii")).hexdigest()


def purge_expired(storage: Storage, days: int) -> int:
    """Delete saved conversations' turns older than `days` (and their stored answers); return how many."""
    cutoff = utcnow() - dt.timedelta(days=max(0, days))
    with storage.session() as session:
        ids = list(session.scalars(select(SavedTurn.answer_id).where(SavedTurn.created_at < cutoff)))
        if ids:
            session.execute(delete(SavedTurn).where(SavedTurn.answer_id.in_(ids)))
            session.execute(delete(ConversationTurn).where(ConversationTurn.id.in_(ids)))
    return len(ids)


def _owner_of_conversation(storage: Storage, conversation_id: str) -> str | None:
    with storage.session() as session:
        query = select(SavedTurn.owner).where(SavedTurn.conversation_id == conversation_id).limit(1)
        return session.scalar(query)


class SaveRefused(Exception):
    """The turn cannot be saved for this browser (unknown answer, another browser's conversation, bad data)."""


def save_turn(
    storage: Storage, owner: str, conversation_id: str, answer_id: str, shown: dict[str, Any],
    public: Iterable[str] = (),
) -> None:  # fmt: skip
    """Save one answered turn for the browser `owner`, as its page showed it.

    The question comes from the server's own masked record; the answer text is kept only when it is the
    one the server recorded, and citations and passages only for chunks that answer cited.
    """
    turn = storage.turn(answer_id)
    if turn is None or turn.conversation_id != conversation_id:
        raise SaveRefused("answer_id")
    current = _owner_of_conversation(storage, conversation_id)
    if current is not None and current != owner:
        raise SaveRefused("conversation_id")
    answer = str(shown.get("answer") or "")
    # Stored answers are masked and cut to MAX_STORED_CHARS; twice that is enough text to compare, and keeps
    # the masker within its input limit.
    # The contact numbers were kept readable when the turn was stored (records.record_answer).
    kept = set(public) | answer_numbers(shown)
    if answer != turn.answer and masked(answer[: 2 * MAX_STORED_CHARS], kept) != turn.answer:
        raise SaveRefused("answer")
    cited = {c.get("chunk_id") for c in turn.citations or []}
    citations = [c for c in shown.get("citations") or [] if c.get("chunk_id") in cited]
    passages = [
        {**p, "text": str(p.get("text", ""))[:MAX_PASSAGE_CHARS]}
        for p in shown.get("passages") or []
        if p.get("chunk_id") in cited
    ]
    payload = {
        "answer_id": answer_id, "question": turn.question, "answer": answer, "mode": turn.mode,
        "citations": citations, "passages": passages, "escalation": shown.get("escalation"),
        "language": shown.get("language", "ja"), "plain": bool(shown.get("plain")),
    }  # fmt: skip
    with storage.session() as session:
        row = session.get(SavedTurn, answer_id)
        if row is None:
            session.add(SavedTurn(answer_id=answer_id, conversation_id=conversation_id, owner=owner,
                                  created_at=turn.created_at or utcnow(), payload=payload))  # fmt: skip
        else:
            row.payload = payload


def list_conversations(storage: Storage, owner: str) -> list[dict[str, Any]]:
    """The browser's conversations, most recent first: id, title (first question), turns, last update."""
    with storage.session() as session:
        query = (
            select(SavedTurn.conversation_id, func.count(), func.min(SavedTurn.created_at),
                   func.max(SavedTurn.created_at))
            .where(SavedTurn.owner == owner)
            .group_by(SavedTurn.conversation_id)
            .order_by(func.max(SavedTurn.created_at).desc())
        )  # fmt: skip
        groups = list(session.execute(query))
        out = []
        for conversation_id, turns, started, updated in groups:
            first = session.scalar(
                select(SavedTurn)
                .where(SavedTurn.owner == owner, SavedTurn.conversation_id == conversation_id)
                .order_by(SavedTurn.created_at)
                .limit(1)
            )
            question = str((first.payload or {}).get("question", "")) if first else ""
            title = question if len(question) <= TITLE_CHARS else question[: TITLE_CHARS - 1] + "…"
            out.append({"conversation_id": conversation_id, "title": title, "turns": int(turns),
                        "started_at": iso_utc(started), "updated_at": iso_utc(updated)})  # fmt: skip
    return out


def conversation_turns(storage: Storage, owner: str, conversation_id: str) -> list[dict[str, Any]] | None:
    """The saved turns of one of the browser's conversations, oldest first (None when it is not theirs)."""
    with storage.session() as session:
        rows = list(
            session.scalars(
                select(SavedTurn)
                .where(SavedTurn.owner == owner, SavedTurn.conversation_id == conversation_id)
                .order_by(SavedTurn.created_at)
            )
        )
        if not rows:
            return None
        return [{**(row.payload or {}), "created_at": iso_utc(row.created_at)} for row in rows]


def delete_conversation(storage: Storage, owner: str, conversation_id: str) -> int:
    """Delete one of the browser's conversations and the server's record of its turns; return turns deleted."""
    with storage.session() as session:
        ids = list(
            session.scalars(
                select(SavedTurn.answer_id).where(
                    SavedTurn.owner == owner, SavedTurn.conversation_id == conversation_id
                )
            )
        )
        if ids:
            session.execute(delete(SavedTurn).where(SavedTurn.answer_id.in_(ids)))
            session.execute(
                delete(ConversationTurn).where(ConversationTurn.conversation_id == conversation_id)
            )
    return len(ids)


def iso_utc(value: dt.datetime | None) -> str:
    """A stored time as ISO 8601 in UTC (empty when missing)."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive values; they were written in UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat(timespec="seconds")
