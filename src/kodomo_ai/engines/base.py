"""The answer-engine seam: a request in, a draft with cited chunks out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kodomo_ai.schema import Hit


@dataclass
class EngineRequest:
    """What an engine gets: the (masked) question, the retrieved hits and any rule results."""

    question: str
    hits: list[Hit]
    audience: str = "parent"
    plain: bool = False
    language: str = "ja"
    rule_text: str = ""
    rule_citations: list[str] = field(default_factory=list)  # chunk ids backing the rule result
    feedback: str = ""  # why the previous attempt was rejected, for one retry


@dataclass
class Draft:
    """An engine's answer: text with [n] markers, and (chunk_id, quote) per cited source."""

    text: str
    cited: list[tuple[str, str]]
    raw: Any = None


class AnswerEngine(ABC):
    """Produces a grounded answer draft from retrieved evidence."""

    name: str = "engine"
    remote: bool = False  # True when text leaves the machine: inputs must be masked

    @abstractmethod
    def generate(self, request: EngineRequest) -> Draft:
        """Answer the request."""

    def stream(self, request: EngineRequest) -> Iterator[str]:
        """Yield the answer text in pieces (default: all at once)."""
        yield self.generate(request).text
