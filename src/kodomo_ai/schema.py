"""Shared types passed between the layers: documents, chunks, hits, answers."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

DocType = Literal["guidance", "manual", "flow", "faq", "notice", "training", "contacts"]
Audience = Literal["parent", "caseworker", "trainer"]
Mode = Literal["answer", "escalate", "abstain", "refuse"]
DOC_TYPES: tuple[str, ...] = ("guidance", "manual", "flow", "faq", "notice", "training", "contacts")
AUDIENCES: tuple[str, ...] = ("parent", "caseworker", "trainer")


class Document(BaseModel):
    """A loaded, normalised source document with its metadata."""

    doc_id: str
    title: str
    text: str
    source: str
    path: str = ""
    publisher: str = ""
    sources: list[str] = Field(default_factory=list)
    published: date | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    audience: list[str] = Field(default_factory=lambda: list(AUDIENCES))
    doc_type: str = "guidance"
    municipality: str | None = None
    content_hash: str = ""


class Chunk(BaseModel):
    """A retrievable piece of a document, with its heading path."""

    chunk_id: str
    doc_id: str
    text: str
    heading: str = ""
    position: int = 0
    metadata: dict[str, Any] = Field(default_factory=dict)


class Hit(BaseModel):
    """A retrieved chunk with its fused score (the `search --json` contract)."""

    chunk_id: str
    doc_id: str
    title: str
    source: str
    heading: str
    text: str
    score: float
    metadata: dict[str, Any] = Field(default_factory=dict, exclude=True)


class Citation(BaseModel):
    """A source an answer relies on, with the quoted passage."""

    doc_id: str
    title: str
    source: str
    chunk_id: str
    quote: str


class Contact(BaseModel):
    """A phone line or service the user is sent to."""

    name: str
    number: str
    note: str = ""


class Escalation(BaseModel):
    """Why the question was routed to people, and to whom."""

    reason: str
    contacts: list[Contact]


class Answer(BaseModel):
    """The result of a consultation (the `ask --json` contract)."""

    id: str | None = None
    question: str
    mode: Mode
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    escalation: Escalation | None = None
    engine: str = "extractive"
    latency_ms: float = 0.0
    rule_results: list[dict[str, Any]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    # The chunks retrieved for this question (for evaluation and audits); not part of the JSON contract.
    retrieved: list[Hit] = Field(default_factory=list, exclude=True)
