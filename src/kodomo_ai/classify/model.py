"""A fitted text classifier: features, a calibrated linear model, and the thresholds fitted with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kodomo_ai.classify.features import Embed, TextFeatures, compute_forms


@dataclass
class TextClassifier:
    """Class probabilities for messages; `thresholds[label][tier]` come from cross-validated predictions."""

    name: str
    labels: list[str]
    features: TextFeatures
    estimator: Any
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    embed: Embed | None = None

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """An [n, len(labels)] array of calibrated probabilities."""
        if self.embed is None:
            raise RuntimeError(f"classifier {self.name} has no embedder attached")
        forms = compute_forms(texts, self.embed)
        return np.asarray(self.estimator.predict_proba(self.features.transform(forms)))

    def save(self, path: Path) -> None:
        """Write the fitted model (without the embedder) atomically."""
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        embed, self.embed = self.embed, None
        try:
            joblib.dump(self, tmp, compress=3)
        finally:
            self.embed = embed
        tmp.replace(path)

    @staticmethod
    def load(path: Path, embed: Embed) -> TextClassifier:
        """Read a fitted model and attach the embedder."""
        import joblib

        model: TextClassifier = joblib.load(path)
        model.embed = embed
        return model
