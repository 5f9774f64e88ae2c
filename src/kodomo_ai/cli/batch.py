"""Batch input and user input for the CLI: a bad JSONL line is reported in its own output row and the run goes on."""

from __future__ import annotations

import json
from typing import Any

from kodomo_ai.cli import UserError
from kodomo_ai.safety.pii import mask


def valid_text(text: str, name: str) -> str:
    """`text` unchanged, or a one-line error when it carries bytes that are not UTF-8 (shell arguments)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UserError(f"{name} が UTF-8 として読めません（{exc.start + 1}文字目）") from None
    return text


def check_engine(name: str) -> None:
    """A one-line error naming the engines when `name` is not one of them."""
    from kodomo_ai.engines.registry import names

    if name not in names():
        raise UserError(
            f"--engine / KODOMO_ENGINE: unknown engine {name!r}（使えるもの: {', '.join(names())}）"
        )


def read_row(raw: bytes, number: int, field: str) -> dict[str, Any]:
    """One JSONL line as an object with a non-empty string `field`, or a UserError naming the line."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"line {number}: not UTF-8 (byte {exc.start + 1})") from None
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UserError(f"line {number}: not JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(row, dict):
        raise UserError(f'line {number}: expected an object {{"id", "{field}"}}')
    value = row.get(field)
    if not isinstance(value, str) or not value.strip():
        got = "missing" if value is None else type(value).__name__ if not isinstance(value, str) else "empty"
        raise UserError(f'line {number}: "{field}" must be a non-empty string (got {got})')
    return row


def error_row(raw: bytes, number: int, message: str, public: Any = ()) -> dict[str, Any]:
    """The output row of a line that could not be answered: its id when readable, the error, no answer."""
    try:
        row = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        row = None
    row = row if isinstance(row, dict) else {}
    question = row.get("question")
    return {
        "id": row.get("id"), "line": number,
        "question": mask(question, public_numbers=public).text if isinstance(question, str) else None,
        "error": message,
    }  # fmt: skip
