"""Service storage through SQLAlchemy 2: conversations, feedback, API keys, eval runs and the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    case,
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

KEY_PREFIX = "kdm_"


def utcnow() -> dt.datetime:
    """Now, in UTC (stored naive-free so SQLite and PostgreSQL agree)."""
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    """A random identifier for stored rows."""
    return uuid.uuid4().hex


def hash_key(secret: str) -> str:
    """SHA-256 of an API key: keys are 32 random bytes, so a fast hash is enough and lookups stay O(1)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Base(DeclarativeBase):
    """Declarative base of the service tables."""


class ApiKey(Base):
    """An API key: only its hash is stored; the secret is shown once at creation."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ConversationTurn(Base):
    """One question and answer of a conversation (masked)."""

    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    role: Mapped[str] = mapped_column(String(20))
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    audience: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(20))
    citations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    engine: Mapped[str] = mapped_column(String(40))
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)


class Feedback(Base):
    """A thumbs up or down on an answer, with an optional (masked) comment."""

    __tablename__ = "feedback"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    answer_id: Mapped[str] = mapped_column(String(32), index=True)
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(20))
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SavedTurn(Base):
    """A parent's turn as their browser shows it again (masked); `owner` is a hash of the browser id."""

    __tablename__ = "saved_turns"
    answer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FeedbackReview(Base):
    """An admin marked one feedback item as handled, with an optional note."""

    __tablename__ = "feedback_reviews"
    feedback_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    handled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class EvalRun(Base):
    """An evaluation run started over the API, with its status and results."""

    __tablename__ = "eval_runs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    suites: Mapped[list[Any]] = mapped_column(JSON, default=list)
    engine: Mapped[str] = mapped_column(String(40))
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditEntry(Base):
    """Who asked what, when, what was answered from which sources, by which engine, how fast."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    role: Mapped[str] = mapped_column(String(20))
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    status: Mapped[int] = mapped_column(Integer, default=200)
    input: Mapped[str] = mapped_column(Text, default="")
    output: Mapped[str] = mapped_column(Text, default="")
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)
    engine: Mapped[str] = mapped_column(String(40), default="")
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)


class RateBucket(Base):
    """A parent's token bucket, shared by every API worker (the key is an address block or a hashed browser id)."""

    __tablename__ = "rate_buckets"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float)  # seconds since the epoch: workers share the wall clock


class EvalSlot(Base):
    """One of the evaluation runs allowed at once, shared by every API worker (held by a run until it ends)."""

    __tablename__ = "eval_slots"
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    expires: Mapped[float] = mapped_column(Float, default=0.0)  # seconds since the epoch


AUDIT_COLUMNS = ("id", "at", "role", "key_id", "action", "status", "input", "output", "sources", "engine",
                 "latency_ms")  # fmt: skip


def database_url(settings: Any) -> str:
    """The configured database URL, or SQLite in the data dir; plain postgresql:// uses psycopg 3."""
    url: str | None = getattr(settings, "database_url", None)
    if not url:
        path = Path(settings.data_dir)
        path.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(path / 'service.sqlite3').resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Storage:
    """The service database; every write happens in one transaction (nothing half-stored)."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            _private_file(url)
            self.engine: Engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
        Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._takes = 0

    @classmethod
    def from_settings(cls, settings: Any) -> Storage:
        """Open the database the settings name."""
        return cls(database_url(settings))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed at the end, rolled back on any error."""
        with self._sessions.begin() as session:
            yield session

    def ping(self) -> bool:
        """True when the database answers."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    # -- keys ---------------------------------------------------------------------------------------
    def create_key(self, role: str, name: str = "") -> tuple[ApiKey, str]:
        """Create a key for `role`; return the row and the secret (shown once, never stored)."""
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        row = ApiKey(
            id="key_" + secrets.token_hex(6),
            name=strip_controls(name)[:200],
            role=role,
            key_hash=hash_key(secret),
        )
        with self.session() as session:
            session.add(row)
        return row, secret

    def find_key(self, secret: str) -> ApiKey | None:
        """The active key with this secret, or None."""
        with self.session() as session:
            row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(secret)))
            return row if row is not None and row.revoked_at is None else None

    def list_keys(self) -> list[ApiKey]:
        """All keys, newest first."""
        with self.session() as session:
            return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())))

    def revoke_key(self, key_id: str) -> bool:
        """Revoke a key; True when it existed and was active."""
        with self.session() as session:
            row = session.get(ApiKey, key_id)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
            return True

    # -- conversations, feedback, audit -------------------------------------------------------------
    def record_turn(self, turn: ConversationTurn, audit: AuditEntry) -> None:
        """Store a conversation turn and its audit entry together."""
        with self.session() as session:
            session.add_all([turn, audit])

    def record_audit(self, audit: AuditEntry) -> None:
        """Store one audit entry."""
        with self.session() as session:
            session.add(audit)

    def turn(self, answer_id: str) -> ConversationTurn | None:
        """One stored turn."""
        with self.session() as session:
            return session.get(ConversationTurn, answer_id)

    def conversation(self, conversation_id: str) -> list[ConversationTurn]:
        """The turns of one conversation, oldest first."""
        with self.session() as session:
            query = select(ConversationTurn).where(ConversationTurn.conversation_id == conversation_id)
            return list(session.scalars(query.order_by(ConversationTurn.created_at)))

    def record_feedback(self, feedback: Feedback, audit: AuditEntry) -> None:
        """Store feedback and its audit entry together."""
        with self.session() as session:
            session.add_all([feedback, audit])

    def feedback_for(self, answer_id: str) -> list[Feedback]:
        """Feedback given on one answer."""
        with self.session() as session:
            return list(session.scalars(select(Feedback).where(Feedback.answer_id == answer_id)))

    def audit_since(self, since: dt.datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries at or after `since`, newest first."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc())
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        if limit is not None:
            query = query.limit(limit)
        with self.session() as session:
            return list(session.scalars(query))

    # -- rate limits --------------------------------------------------------------------------------
    def take_token(self, key: str, capacity: float, per_second: float) -> bool:
        """Take one token from the bucket `key` (full at `capacity`, refilled at `per_second`); False when empty."""
        now = time.time()
        refilled = RateBucket.tokens + (now - RateBucket.updated) * per_second
        level = case((refilled > capacity, capacity), else_=refilled)
        for _attempt in range(2):
            try:
                with self.session() as session:
                    # One conditional UPDATE: the row lock makes concurrent workers take tokens one at a time.
                    taken = session.execute(
                        sql_update(RateBucket)
                        .where(RateBucket.key == key, level >= 1.0)
                        .values(tokens=level - 1.0, updated=now)
                    )
                    if taken.rowcount:  # type: ignore[attr-defined]
                        return True
                    if session.get(RateBucket, key) is not None:
                        return False
                    session.add(RateBucket(key=key, tokens=capacity - 1.0, updated=now))
                self._forget_idle(now, capacity / per_second)
                return True
            except IntegrityError:  # another worker created the bucket meanwhile: take from it
                continue
        return False

    def _forget_idle(self, now: float, refill_seconds: float) -> None:
        # A bucket idle longer than a full refill is the same as no bucket: drop those now and then.
        self._takes += 1
        if self._takes % 500 == 0:
            with self.session() as session:
                session.execute(delete(RateBucket).where(RateBucket.updated < now - refill_seconds))

    # -- eval runs ----------------------------------------------------------------------------------
    def claim_eval_slot(self, run_id: str, cap: int, lease_seconds: float) -> bool:
        """Hold one of `cap` evaluation slots for `run_id` (every worker shares them); False when all are held.

        A slot whose lease ran out (its worker died without releasing it) is free again.
        """
        now = time.time()
        for slot in range(cap):
            for _attempt in range(2):
                try:
                    with self.session() as session:
                        # One conditional UPDATE per slot: two workers cannot both take the same free slot.
                        taken = session.execute(
                            sql_update(EvalSlot)
                            .where(
                                EvalSlot.slot == slot, (EvalSlot.run_id.is_(None)) | (EvalSlot.expires < now)
                            )
                            .values(run_id=run_id, expires=now + lease_seconds)
                        )
                        if taken.rowcount:  # type: ignore[attr-defined]
                            return True
                        if session.get(EvalSlot, slot) is not None:
                            break  # held: try the next slot
                        session.add(EvalSlot(slot=slot, run_id=run_id, expires=now + lease_seconds))
                    return True
                except IntegrityError:  # another worker created this slot meanwhile: try it again
                    continue
        return False

    def renew_eval_slot(self, run_id: str, lease_seconds: float) -> None:
        """Extend the lease of the slot `run_id` holds (a run that reports progress is alive)."""
        with self.session() as session:
            session.execute(
                sql_update(EvalSlot)
                .where(EvalSlot.run_id == run_id)
                .values(expires=time.time() + lease_seconds)
            )

    def release_eval_slot(self, run_id: str) -> None:
        """Free the slot `run_id` holds."""
        with self.session() as session:
            session.execute(
                sql_update(EvalSlot).where(EvalSlot.run_id == run_id).values(run_id=None, expires=0.0)
            )

    def held_eval_slots(self) -> int:
        """How many evaluation slots are held now (by any worker)."""
        now = time.time()
        with self.session() as session:
            rows = session.scalars(
                select(EvalSlot).where(EvalSlot.run_id.is_not(None), EvalSlot.expires >= now)
            )
            return len(list(rows))

    def create_eval_run(
        self, suites: list[str], engine: str, key_id: str | None, run_id: str | None = None
    ) -> EvalRun:
        """A queued eval run."""
        row = EvalRun(id=run_id or new_id(), suites=suites, engine=engine, key_id=key_id, status="queued")
        with self.session() as session:
            session.add(row)
        return row

    def update_eval_run(self, run_id: str, **values: Any) -> None:
        """Change fields of an eval run."""
        with self.session() as session:
            row = session.get(EvalRun, run_id)
            if row is not None:
                for name, value in values.items():
                    setattr(row, name, value)

    def eval_run(self, run_id: str) -> EvalRun | None:
        """One eval run."""
        with self.session() as session:
            return session.get(EvalRun, run_id)

    def eval_runs(self, limit: int = 50) -> list[EvalRun]:
        """Recent eval runs, newest first."""
        with self.session() as session:
            return list(session.scalars(select(EvalRun).order_by(EvalRun.created_at.desc()).limit(limit)))


def _private_file(url: str) -> None:
    """Create the SQLite file readable by its owner only (0600): it holds questions and key hashes."""
    path = url.split(":///", 1)[-1]
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the audit export read while the API writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def audit_row(entry: AuditEntry) -> dict[str, Any]:
    """An audit entry as a flat dict (for JSON and CSV)."""
    return {
        "id": entry.id, "at": entry.at.isoformat() if entry.at else "", "role": entry.role,
        "key_id": entry.key_id or "", "action": entry.action, "status": entry.status, "input": entry.input,
        "output": entry.output, "sources": list(entry.sources or []), "engine": entry.engine,
        "latency_ms": entry.latency_ms,
    }  # fmt: skip


# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (CSV injection);
# full-width forms too, since spreadsheet software in Japanese locales converts them.
_FORMULA_START = tuple("=+-@\t\r＝＋－＠")
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """The text without NUL, ANSI escape sequences and other control characters (newlines and tabs stay)."""
    return _CONTROL.sub("", text)


def spreadsheet_cell(value: Any) -> Any:
    """A value safe in a CSV opened by a spreadsheet: text that would start a formula gets a leading quote."""
    if not isinstance(value, str):
        return value
    text = strip_controls(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def audit_csv_row(entry: AuditEntry) -> dict[str, Any]:
    """An audit entry as a CSV row: sources joined, every text cell neutralised."""
    row = audit_row(entry)
    row["sources"] = " ".join(str(s) for s in row["sources"])
    return {key: spreadsheet_cell(value) for key, value in row.items()}
