"""Turning answers into stored, masked records: conversation turns and audit entries."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from kodomo_ai.api.auth import Principal
from kodomo_ai.api.storage import AuditEntry, ConversationTurn, Storage, new_id, strip_controls
from kodomo_ai.safety.pii import mask

MAX_STORED_CHARS = 4000
_WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)


def masked(text: str, public: Iterable[str] = ()) -> str:
    """The text with personal data masked and control characters (NUL, ANSI escapes) removed, cut to a stored size.

    `public` numbers (the hotlines an answer gives: 189, #8000, counselling lines) stay readable.
    """
    return strip_controls(mask(text or "", public_numbers=public).text)[:MAX_STORED_CHARS]


def answer_numbers(answer: dict[str, Any]) -> set[str]:
    """The contact numbers an answer's escalation gives (public lines, never personal data)."""
    contacts = (answer.get("escalation") or {}).get("contacts") or []
    return {str(c.get("number")) for c in contacts if isinstance(c, dict) and c.get("number")}


def audit_entry(
    principal: Principal, action: str, *, status: int = 200, input: str = "", output: str = "",
    sources: list[Any] | None = None, engine: str = "", latency_ms: float = 0.0, public: Iterable[str] = (),
) -> AuditEntry:  # fmt: skip
    """An audit entry; input and output are masked here so nothing in clear reaches the log."""
    shown = set(public)
    return AuditEntry(
        role=principal.role, key_id=principal.key_id, action=action, status=status, input=masked(input, shown),
        output=masked(output, shown), sources=sources or [], engine=engine, latency_ms=latency_ms,
    )  # fmt: skip


def record_answer(
    storage: Storage, principal: Principal, answer: dict[str, Any], *, audience: str,
    conversation_id: str | None, action: str, public: Iterable[str] = (),
) -> tuple[str, str]:  # fmt: skip
    """Store the turn and its audit entry in one transaction; return (conversation_id, answer_id).

    The configured contact numbers (`public`) and those of the answer's escalation stay readable, so the
    inbox and a resumed conversation show the lines the parent was given.
    """
    shown = set(public) | answer_numbers(answer)
    conversation = conversation_id or new_id()
    answer_id = new_id()
    citations = [
        {k: c.get(k) for k in ("doc_id", "title", "source", "chunk_id")} for c in answer.get("citations", [])
    ]
    turn = ConversationTurn(
        id=answer_id, conversation_id=conversation, role=principal.role, key_id=principal.key_id,
        audience=audience, question=masked(answer.get("question", ""), shown),
        answer=masked(answer.get("answer", ""), shown),
        mode=answer.get("mode", ""), citations=citations, engine=answer.get("engine", ""),
        latency_ms=float(answer.get("latency_ms") or 0.0),
    )  # fmt: skip
    entry = audit_entry(
        principal, action, input=answer.get("question", ""), output=answer.get("answer", ""),
        sources=sorted({c["doc_id"] for c in citations if c.get("doc_id")}), engine=answer.get("engine", ""),
        latency_ms=float(answer.get("latency_ms") or 0.0), public=shown,
    )  # fmt: skip
    storage.record_turn(turn, entry)
    return conversation, answer_id


def public_source(source: str) -> str:
    """A source as callers may see it: a web address as it is, a file on the server by its name only."""
    if not source or _WEB_ADDRESS.match(source):
        return source
    return PurePosixPath(source.replace("\\", "/")).name


def public_answer(data: dict[str, Any]) -> dict[str, Any]:
    """The answer JSON without server file paths in its citations (uploads without `sources:` cite their file)."""
    citations = [
        {**c, "source": public_source(str(c.get("source") or ""))} for c in data.get("citations") or []
    ]
    return {**data, "citations": citations}
