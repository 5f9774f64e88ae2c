"""What a question asks for (yes/no, an amount, a date …): a small classifier fitted in-process on first use."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kodomo_ai.text.fold import normalise

ASKED_TYPES = (
    "yes_no", "amount", "date", "duration", "age", "who_where", "steps", "reason", "comparison",
    "definition", "count",
)  # fmt: skip


@dataclass
class AskedTypeReader:
    """Character n-grams of the folded question → logistic regression (C chosen by 3-fold CV accuracy)."""

    vectorizer: Any
    model: Any
    report: dict[str, float] = field(default_factory=dict)

    def probabilities(self, question: str) -> dict[str, float]:
        """P(asked type | question) for every type."""
        proba = self.model.predict_proba(self.vectorizer.transform([normalise(question)]))[0]
        return {str(label): float(p) for label, p in zip(self.model.classes_, proba, strict=True)}

    def read(self, question: str) -> str:
        """The most likely asked type."""
        probs = self.probabilities(question)
        return max(probs, key=lambda k: probs[k])


_LOCK = threading.Lock()
_READERS: dict[str, AskedTypeReader] = {}


def load_asked_reader(path: Path) -> AskedTypeReader:
    """Fit on `path` (YAML items of {text, label}) once per process; it takes about a second."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    with _LOCK:
        if str(path) in _READERS:
            return _READERS[str(path)]
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = data.get("items") if isinstance(data, dict) else data
        pairs = [(str(i["text"]), str(i["label"])) for i in items or [] if i.get("label") in ASKED_TYPES]
        texts = [normalise(t) for t, _ in pairs]
        labels = [label for _, label in pairs]
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        features = vectorizer.fit_transform(texts)
        scores = {
            c: float(cross_val_score(LogisticRegression(C=c, max_iter=3000), features, labels, cv=3).mean())
            for c in (0.3, 1.0, 3.0, 10.0, 30.0)
        }
        best = max(scores, key=lambda c: scores[c])
        model = LogisticRegression(C=best, max_iter=3000).fit(features, labels)
        accuracy = scores[best]
        reader = AskedTypeReader(vectorizer, model, report={"questions": len(texts), "cv_accuracy": accuracy})
        _READERS[str(path)] = reader
        return reader
