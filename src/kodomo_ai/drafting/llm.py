"""Calling an LLM engine with our own prompt files, and mapping its [n] markers back to the sources."""

from __future__ import annotations

import re
from typing import Any

from kodomo_ai.engines.base import AnswerEngine, EngineRequest
from kodomo_ai.errors import EngineError

_MARK = re.compile(r"\[(\d{1,2})\]")


def is_llm(engine: AnswerEngine | None) -> bool:
    """True for an engine that writes text (not the extractive one)."""
    return engine is not None and engine.name != "extractive"


def complete(engine: AnswerEngine, messages: list[dict[str, str]]) -> str:
    """One completion of `messages` through the engine's chat client (recorded in `engine.sent`)."""
    client: Any = getattr(engine, "client", None)
    sent = getattr(engine, "sent", None)
    if isinstance(sent, list):
        sent.append(messages)
    if client is None:
        # An engine without a chat client only answers questions: give it the whole prompt as one.
        prompt = "\n\n".join(m["content"] for m in messages)
        return engine.generate(EngineRequest(question=prompt, hits=[], audience="caseworker")).text
    try:
        reply = client.invoke([(m["role"], m["content"]) for m in messages])
    except Exception as exc:  # network, timeout, server error: the caller falls back to extractive
        raise EngineError(f"{engine.name}: {type(exc).__name__}: {exc}") from exc
    return str(getattr(reply, "content", reply))


def cited_numbers(text: str, count: int) -> list[int]:
    """The source numbers (1-based, within `count`) that `text` cites, in first-use order."""
    seen: list[int] = []
    for match in _MARK.finditer(text):
        n = int(match.group(1))
        if 1 <= n <= count and n not in seen:
            seen.append(n)
    return seen


def renumber(text: str, mapping: dict[int, int]) -> str:
    """Rewrite [n] markers through `mapping`; markers pointing at nothing are dropped."""
    return _MARK.sub(lambda m: f"[{mapping[int(m.group(1))]}]" if int(m.group(1)) in mapping else "", text)


def strip_markers(text: str) -> str:
    """Text without [n] markers."""
    return _MARK.sub("", text)
