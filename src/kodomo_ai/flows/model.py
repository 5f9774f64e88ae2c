"""The data model of a standard business process (業務フロー) and its data set."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

StepType = Literal["task", "decision", "end"]
DataType = Literal["string", "integer", "date", "enum", "boolean", "file"]

# Step and actor ids become Mermaid node ids, so they are plain ASCII and never a Mermaid keyword.
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
MERMAID_KEYWORDS = frozenset(
    {"end", "graph", "subgraph", "flowchart", "style", "class", "classdef", "click", "linkstyle", "direction"}
)


# YAML folded scalars (>-) join lines with a space; between Japanese characters that space is noise.
_FOLD_SPACE = re.compile(r"(?<=[^\x00-\x7f]) +")


def tidy_text(value: Any) -> Any:
    """Strip a text and drop the spaces YAML folding put between Japanese characters."""
    return _FOLD_SPACE.sub("", value.strip()) if isinstance(value, str) else value


JaText = Annotated[str, BeforeValidator(tidy_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _date_text(value: Any) -> Any:
    """Keep dates as ISO text: YAML turns 2024-03-28 into a date, but 日付なし must stay text."""
    return value.isoformat() if isinstance(value, date) else value


class Actor(_Strict):
    """Someone who carries out steps (保護者, 市, 施設 …)."""

    id: str = Field(pattern=ID_PATTERN)
    name: JaText
    role: JaText = ""


class Branch(_Strict):
    """One way out of a decision: the condition in Japanese and the step it leads to."""

    condition: JaText
    next: str


class Step(_Strict):
    """One step of a process: who does what, with which data in and out, and what comes next."""

    id: str = Field(pattern=ID_PATTERN)
    actor: str
    action: JaText
    label: JaText = ""
    type: StepType = "task"
    inputs: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)
    next: list[str] = Field(default_factory=list)
    branches: list[Branch] = Field(default_factory=list)
    phase: str = ""
    detail: JaText = ""
    sources: list[str] = Field(default_factory=list)

    @field_validator("next", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def title(self) -> str:
        """Return the short name used in diagrams and headings (the action when no label is set)."""
        return self.label or self.action

    def successors(self) -> list[str]:
        """Return every step id this step can lead to (plain next, then branch targets)."""
        targets = list(self.next)
        targets += [b.next for b in self.branches if b.next not in targets]
        return targets


class Master(_Strict):
    """A piece of judgment logic (マスタ) the process uses."""

    name: JaText
    description: JaText = ""
    sources: list[str] = Field(default_factory=list)


class DataItem(_Strict):
    """One item of the process's data set."""

    item: str
    type: DataType
    required: bool
    source: str
    values: list[str] = Field(default_factory=list)


class Source(_Strict):
    """A source address with the publisher and date shown in 出典 lines."""

    url: str
    publisher: str = ""
    date: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        return _date_text(value)


class Note(_Strict):
    """A point to watch (留意点), with the sources it rests on."""

    text: JaText
    sources: list[str] = Field(default_factory=list)


class Flow(_Strict):
    """A standard business process: actors, steps, masters, data set and sources."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    title: JaText
    description: JaText
    actors: list[Actor]
    start: list[str]
    steps: list[Step]
    masters: list[Master] = Field(default_factory=list)
    dataset: list[DataItem] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    overview_sources: list[str] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    published: str | None = None
    effective_from: str | None = None

    @field_validator("published", "effective_from", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        return _date_text(value)

    @field_validator("start", mode="before")
    @classmethod
    def _start_list(cls, value: Any) -> Any:
        # One start is the rule; a list is accepted only so that validation can name the extra starts.
        return [value] if isinstance(value, str) else value

    @field_validator("masters", mode="before")
    @classmethod
    def _master_names(cls, value: Any) -> Any:
        return [{"name": m} if isinstance(m, str) else m for m in value or []]

    @field_validator("sources", mode="before")
    @classmethod
    def _source_addresses(cls, value: Any) -> Any:
        return [{"url": s} if isinstance(s, str) else s for s in value or []]

    @field_validator("notes", mode="before")
    @classmethod
    def _note_texts(cls, value: Any) -> Any:
        return [{"text": n} if isinstance(n, str) else n for n in value or []]

    @model_validator(mode="after")
    def _non_empty(self) -> Flow:
        if not self.steps:
            raise ValueError("steps が空です")
        return self

    @property
    def doc_id(self) -> str:
        """Return the id of the generated explanation document."""
        return f"flow-{self.name}"

    def step(self, step_id: str) -> Step:
        """Return the step with this id (KeyError if there is none)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def actor_name(self, actor_id: str) -> str:
        """Return an actor's display name, or the id itself when it is unknown."""
        return next((a.name for a in self.actors if a.id == actor_id), actor_id)

    def source(self, url: str) -> Source:
        """Return the source entry for an address (a bare entry when it is not listed)."""
        return next((s for s in self.sources if s.url == url), Source(url=url))
