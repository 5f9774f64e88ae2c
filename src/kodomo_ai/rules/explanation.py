"""Explanations attached to every rule result: the steps taken and the sections that define each rule."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kodomo_ai.rules.tables import CitationRef, MunicipalTables, load_national


class RuleCitation(BaseModel):
    """A corpus document and the `##` section where a rule used in a result is defined."""

    doc_id: str
    heading: str = ""


class Explained(BaseModel):
    """Base of every rule result: Japanese reasoning steps and the citations behind them."""

    steps: list[str] = Field(default_factory=list)
    citations: list[RuleCitation] = Field(default_factory=list)


class Trace:
    """Collects steps and de-duplicated citations while a rule runs."""

    def __init__(self, municipal: MunicipalTables | None = None) -> None:
        self.steps: list[str] = []
        self.citations: list[RuleCitation] = []
        self._municipal = municipal

    def step(self, text: str, *cite: str) -> None:
        """Record one reasoning step and the citation keys (national or `city:` keys) behind it."""
        self.steps.append(text)
        for key in cite:
            self.cite(key)

    def cite(self, key: str) -> None:
        """Add the citation named `key` (`city:<key>` for the municipality's own tables)."""
        ref = self._lookup(key)
        citation = RuleCitation(doc_id=ref.doc_id, heading=ref.heading)
        if citation not in self.citations:
            self.citations.append(citation)

    def _lookup(self, key: str) -> CitationRef:
        if key.startswith("city:"):
            if self._municipal is None:
                raise KeyError(key)
            return self._municipal.citations[key.removeprefix("city:")]
        return load_national().citations[key]


def yen(amount: int | float) -> str:
    """Format an amount of yen with commas, e.g. 37,000円."""
    return f"{int(round(amount)):,}円"


def hours(value: float) -> str:
    """Format hours without a needless decimal, e.g. 80時間 or 80.5時間."""
    return f"{value:g}時間"
