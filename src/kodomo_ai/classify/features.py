"""Features of a message: character n-grams of two script-folded forms plus e5 sentence vectors."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kodomo_ai.text.fold import normalise
from kodomo_ai.text.sudachi import reading

Embed = Callable[[list[str]], np.ndarray]


@dataclass
class Forms:
    """The forms a message is seen in: folded surface, folded reading, and its e5 vector."""

    surface: list[str]
    reading: list[str]
    dense: np.ndarray

    def take(self, index: Any) -> Forms:
        """The rows at `index` (for cross-validation folds)."""
        idx = np.asarray(index)
        return Forms([self.surface[i] for i in idx], [self.reading[i] for i in idx], self.dense[idx])


def compute_forms(texts: list[str], embed: Embed) -> Forms:
    """Fold each text two ways (as typed; as read, so 殴って, なぐって and ﾅｸﾞｯﾃ meet) and embed it."""
    nfkc = [unicodedata.normalize("NFKC", t) for t in texts]
    return Forms(
        surface=[normalise(t) for t in nfkc],
        reading=[normalise(reading(t)) for t in nfkc],
        dense=np.asarray(embed(nfkc), dtype=np.float32),
    )


class TextFeatures:
    """TF-IDF of character 1-3-grams on both folded forms, stacked with the weighted e5 vector."""

    def __init__(self, dense_weight: float = 1.0, max_features: int = 60_000) -> None:
        self.dense_weight = dense_weight
        self.max_features = max_features
        self._surface: Any = None
        self._reading: Any = None

    def _vectorizer(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True, max_features=self.max_features
        )

    def fit(self, forms: Forms) -> TextFeatures:
        """Learn the n-gram vocabularies."""
        self._surface = self._vectorizer().fit(forms.surface)
        self._reading = self._vectorizer().fit(forms.reading)
        return self

    def transform(self, forms: Forms) -> Any:
        """A sparse [n, features] matrix."""
        from scipy import sparse

        return sparse.hstack(
            [
                self._surface.transform(forms.surface),
                self._reading.transform(forms.reading),
                sparse.csr_matrix(forms.dense * self.dense_weight),
            ],
            format="csr",
        )
