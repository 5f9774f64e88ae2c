"""The card index: a question is matched against every card's question and paraphrases."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kodomo_ai.index.lexical import BM25, content_terms, index_terms
from kodomo_ai.schema import Card


@dataclass(frozen=True)
class CardMatch:
    """A card and how well a question matched it."""

    card: Card
    similarity: float  # best cosine of the question to the card's question or a paraphrase
    margin: float  # lead of this card's similarity over the next card's
    overlap: float  # share of the question's topic words found in the card's questions and answer


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() or 1.0)


def leave_one_out(rows: list[tuple[Card, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """For every wording of every card, the best similarity among the other wordings and whether it is the same card."""
    vectors = np.concatenate([v for _, v in rows])
    owner = np.concatenate([np.full(len(v), i) for i, (_, v) in enumerate(rows)])
    best = np.zeros(len(vectors))
    right = np.zeros(len(vectors), dtype=bool)
    for start in range(0, len(vectors), 1024):
        sims = vectors[start : start + 1024] @ vectors.T
        for j in range(sims.shape[0]):
            sims[j, start + j] = -1.0  # the wording itself is what the user "typed"
        top = sims.argmax(1)
        best[start : start + len(top)] = sims[np.arange(len(top)), top]
        right[start : start + len(top)] = owner[top] == owner[start : start + len(top)]
    return best, right


def fit_match_threshold(rows: list[tuple[Card, np.ndarray]], beta: float = 0.5) -> float:
    """The similarity above which the nearest card is trusted, by F-beta on held-out wordings.

    Each wording is matched as if a user had typed it, against the others; beta 0.5 weighs precision twice as
    much as recall, because a wrong card is a confident wrong answer while a missed card still gets an answer
    composed from the documents.
    """
    if sum(len(v) for _, v in rows) < 20:
        return 1.0
    best, right = leave_one_out(rows)
    order = np.argsort(-best)
    tp = np.cumsum(right[order])
    fp = np.cumsum(~right[order])
    precision = tp / np.maximum(tp + fp, 1)
    recall = tp / max(int(right.sum()), 1)
    b2 = beta * beta
    f = (1 + b2) * precision * recall / np.maximum(b2 * precision + recall, 1e-9)
    return float(best[order][int(np.argmax(f))])


class CardIndex:
    """All cards with their question vectors, for nearest-question search with filters."""

    def __init__(
        self, rows: list[tuple[Card, np.ndarray]], generation: str = "", threshold: float = 1.0
    ) -> None:
        self.generation = generation
        self.threshold = threshold  # similarity from which the best card answers (fit_match_threshold)
        self.cards = [card for card, _ in rows]
        self.vectors = np.concatenate([v for _, v in rows]) if rows else np.zeros((0, 1), dtype=np.float32)
        self.owner = (
            np.concatenate([np.full(len(v), i) for i, (_, v) in enumerate(rows)])
            if rows
            else np.zeros(0, int)
        )
        self._terms: list[set[str] | None] = [None] * len(self.cards)
        self._bm25: BM25 | None = None

    def bm25(self) -> BM25:
        """Word index over each card's wordings and answer (built on first use)."""
        if self._bm25 is None:
            self._bm25 = BM25(index_terms(" ".join([*c.match_texts(), c.answer])) for c in self.cards)
        return self._bm25

    def terms(self, i: int) -> set[str]:
        """Topic words of card i's questions and answer (computed on first use)."""
        cached = self._terms[i]
        if cached is None:
            card = self.cards[i]
            cached = content_terms(" ".join([*card.questions(), card.answer]))
            self._terms[i] = cached
        return cached

    def match(
        self, vector: np.ndarray, question: str, *, audience: str | None = None, municipality: str | None = None,
        k: int = 3, doc_ids: list[str] | None = None,
    ) -> list[CardMatch]:  # fmt: skip
        """The k best cards, best first, by z-scored question similarity plus words (as chunks are fused).

        `doc_ids` keeps the cards of those documents only (the documents retrieval found), and cards published
        from the gap report: they exist because no document answered, so no document can vouch for them (a
        person reviewed them instead). Other towns' cards never match.
        """
        if not self.cards:
            return []
        sims = self.vectors @ vector
        best = np.full(len(self.cards), -1.0)
        np.maximum.at(best, self.owner, sims)
        allowed = np.array([
            not ((audience and audience not in c.audience) or (c.municipality and c.municipality != municipality)
                 or (doc_ids is not None and c.doc_id not in doc_ids and not c.published))
            for c in self.cards
        ])  # fmt: skip
        if not allowed.any():
            return []
        words = self.bm25().scores(index_terms(question))
        fused = np.full(len(self.cards), -np.inf)
        fused[allowed] = _z(best[allowed]) + _z(words[allowed])
        order = [int(i) for i in np.argsort(-fused)[: k + 1] if allowed[i]]
        asked = content_terms(question)
        out = []
        for rank, i in enumerate(order[:k]):
            following = best[order[rank + 1]] if rank + 1 < len(order) else 0.0
            overlap = len(asked & self.terms(int(i))) / len(asked) if asked else 0.0
            out.append(CardMatch(self.cards[int(i)], float(best[i]), float(best[i] - following), overlap))
        return out
