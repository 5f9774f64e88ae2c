"""The seam for document trust: a screen reads a loaded document and names the sentences that keep it out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import Any

from kodomo_ai.schema import Document


@dataclass(frozen=True)
class Finding:
    """One sentence that keeps a document out of the index, and why."""

    sentence: str
    reason: str  # one line in Japanese, for the admin
    kind: str  # "instruction" (the learned classifier) or "contact" (differs from the contacts configuration)
    score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


class DocumentScreen(ABC):
    """Decides whether a document's text may be indexed (implemented in kodomo_ai.safety.trust)."""

    #: Changes when the screen would judge the same text differently; a new version rescreens every document.
    version: str = ""

    @abstractmethod
    def findings(self, doc: Document) -> list[Finding]:
        """The sentences of `doc` that must keep it out of the index (empty: the document is trusted)."""
