"""The learned scope decision: is a question ours, another office's, about one's own case, or for a person?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kodomo_ai.classify.data import Example
from kodomo_ai.classify.fit import FitConfig
from kodomo_ai.classify.model import TextClassifier
from kodomo_ai.classify.store import ClassifierSpec

OUT_OF_SCOPE = ("out_tax", "out_employment", "out_health_insurance", "out_medical", "out_legal", "out_other")
LABELS = ("in_scope", *OUT_OF_SCOPE, "individual", "local_detail", "handoff", "chitchat")
# A wrong referral hides an answer the documents have; a missed one still gets a (weaker) answer: F1.
CONFIG = FitConfig(name="scope", beta={label: 1.0 for label in LABELS if label != "in_scope"}, variants=1)


def scope_label(item: dict[str, Any]) -> str | None:
    """The class of a scope training item."""
    label = str(item.get("label", ""))
    return label if label in LABELS else None


def _no_carriers(examples: list[Example]) -> list[str]:
    return []


def scope_spec(training_dir: Path) -> ClassifierSpec:
    """Scope data plus the cards' questions as in-scope (understand/card_questions.yaml)."""
    understand = training_dir / "understand"
    files = [p for p in (understand / "scope.yaml", understand / "card_questions.yaml") if p.exists()]
    return ClassifierSpec(CONFIG, files, scope_label, _no_carriers)


@dataclass(frozen=True)
class ScopeDecision:
    """The scope label a question crossed the threshold for (never in_scope: that is no decision)."""

    label: str
    probability: float


class ScopeReader:
    """Reads what kind of request a question is, on the whole message."""

    def __init__(self, model: TextClassifier) -> None:
        self.model = model

    def read(self, text: str) -> ScopeDecision | None:
        """The strongest non-in-scope label over its threshold, or None (an ordinary in-scope question)."""
        proba = self.model.predict_proba([text])[0]
        best: ScopeDecision | None = None
        for j, label in enumerate(self.model.labels):
            cut = self.model.thresholds.get(label)
            if cut and proba[j] >= cut["act"] and (best is None or proba[j] > best.probability):
                best = ScopeDecision(label, float(proba[j]))
        return best
