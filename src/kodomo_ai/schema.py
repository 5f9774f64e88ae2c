"""Shared types passed between the layers: documents, chunks, hits, answers."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

DocType = Literal["guidance", "manual", "flow", "faq", "notice", "training", "contacts"]
Audience = Literal["parent", "caseworker", "trainer"]
Mode = Literal["answer", "escalate", "abstain", "refuse"]
DOC_TYPES: tuple[str, ...] = (
    "guidance",
    "manual",
    "flow",
    "faq",
    "notice",
    "training",
    "contacts",
    "referral",
)
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


class CardCitation(BaseModel):
    """Where a card's answer comes from: a sentence of a document section."""

    doc_id: str
    heading: str = ""
    quote: str


class CardVersion(BaseModel):
    """A card in another language or register (English, やさしい日本語)."""

    question: str = ""
    paraphrases: list[str] = Field(default_factory=list)
    answer: str


# Cards published from the knowledge-gap report (gaps/cards.py) live in the index, not in a corpus folder.
PUBLISHED_CARD_PREFIX = "gap-"


class Card(BaseModel):
    """A knowledge card: a question people ask, its paraphrases, and a short cited answer."""

    card_id: str
    doc_id: str
    question: str
    paraphrases: list[str] = Field(default_factory=list)
    answer: str
    conditions: list[str] = Field(default_factory=list)
    ask: str = ""
    audience: list[str] = Field(default_factory=lambda: list(AUDIENCES))
    citations: list[CardCitation] = Field(default_factory=list)
    en: CardVersion | None = None
    easy: CardVersion | None = None
    municipality: str | None = None
    source_path: str = ""

    def questions(self) -> list[str]:
        """The canonical question and its paraphrases."""
        return [self.question, *self.paraphrases]

    def match_texts(self) -> list[str]:
        """Every wording a user's question is matched against (Japanese, then English if any)."""
        english = [self.en.question, *self.en.paraphrases] if self.en else []
        return [t for t in [*self.questions(), *english] if t.strip()]

    @property
    def published(self) -> bool:
        """True for a card published at run time from the knowledge-gap report (every ingest keeps it)."""
        return self.card_id.startswith(PUBLISHED_CARD_PREFIX)


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
