"""Hybrid retrieval: dense (e5 + Chroma) and words (Sudachi BM25), fused, filtered, adjacent chunks merged."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kodomo_ai.index.cards import CardIndex, CardMatch
from kodomo_ai.index.knowledge_base import KnowledgeBase
from kodomo_ai.index.lexical import BM25, index_terms
from kodomo_ai.schema import Chunk, Hit

RRF_K = 60


@dataclass(frozen=True)
class Filters:
    """Search filters; None means no restriction."""

    audience: str | None = None
    doc_types: tuple[str, ...] | None = None
    municipality: str | None = None  # keeps national documents plus this municipality's
    doc_ids: tuple[str, ...] | None = None

    def chroma_where(self) -> dict[str, Any] | None:
        """The same filter as a Chroma `where` clause."""
        clauses: list[dict[str, Any]] = []
        if self.audience:
            clauses.append({f"aud_{self.audience}": True})
        if self.doc_types:
            clauses.append({"doc_type": {"$in": list(self.doc_types)}})
        if self.municipality is not None:
            clauses.append({"municipality": {"$in": ["", self.municipality]}})
        if self.doc_ids:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def allows(self, doc: dict[str, Any]) -> bool:
        """Whether a document's metadata passes the filter."""
        if self.audience and self.audience not in doc.get("audience", []):
            return False
        if self.doc_types and doc.get("doc_type") not in self.doc_types:
            return False
        if self.municipality is not None and (doc.get("municipality") or "") not in ("", self.municipality):
            return False
        return not (self.doc_ids and doc.get("doc_id") not in self.doc_ids)


class _WordIndex:
    """The BM25 index with the chunks it covers, rebuilt when the catalog's generation changes."""

    def __init__(self, rows: list[tuple[Chunk, list[str], dict[str, Any]]], generation: str) -> None:
        self.generation = generation
        self.chunks = [r[0] for r in rows]
        self.docs = [r[2] for r in rows]
        self.position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.bm25 = BM25(r[1] for r in rows)
        # Each document's chunks with folded text, so a card's quote is found without folding them per answer.
        self.folded: dict[str, list[tuple[str, str]]] = {}
        for chunk in self.chunks:
            self.folded.setdefault(chunk.doc_id, []).append((chunk.chunk_id, _compact(chunk.text)))


class Retriever:
    """Searches a knowledge base; thread-safe for concurrent API requests."""

    def __init__(self, kb: KnowledgeBase, *, fusion: str = "zscore", candidates: int = 40) -> None:
        self.kb = kb
        self.fusion = fusion
        self.candidates = candidates
        self._words: _WordIndex | None = None
        self._cards: CardIndex | None = None
        self._lock = threading.Lock()

    def words(self) -> _WordIndex:
        """The current word index (rebuilt after an ingest in any process)."""
        generation = self.kb.generation()
        with self._lock:
            if self._words is None or self._words.generation != generation:
                self._words = _WordIndex(self.kb.catalog.all_chunks(), generation)
            return self._words

    def cards(self) -> CardIndex:
        """The current card index (rebuilt after an ingest in any process)."""
        generation = self.kb.generation()
        with self._lock:
            if self._cards is None or self._cards.generation != generation:
                threshold = float(self.kb.catalog.get_info("card_threshold") or 1.0)
                self._cards = CardIndex(self.kb.catalog.cards(), generation, threshold)
            return self._cards

    def match_cards(
        self, question: str, *, audience: str | None = None, municipality: str | None = None, k: int = 3,
        doc_ids: list[str] | None = None,
    ) -> list[CardMatch]:  # fmt: skip
        """Cards whose question or paraphrases are nearest to `question` (optionally of `doc_ids` only)."""
        index = self.cards()
        if not index.cards:
            return []
        vector = self.kb.embedder.embed_batch([question], kind="query")[0]
        return index.match(
            vector, question, audience=audience, municipality=municipality, k=k, doc_ids=doc_ids
        )

    def find_quote(self, doc_id: str, quote: str) -> Hit | None:
        """The chunk of `doc_id` that contains `quote` (spaces and width folded), as a hit."""
        words = self.words()
        wanted = _compact(quote)
        for chunk_id, text in words.folded.get(doc_id, []):
            if wanted in text:
                return _hit(words, chunk_id, 1.0)
        return None

    def dense(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Nearest chunks by embedding."""
        vector = self.kb.embedder.embed_query(query)
        return self.kb.store.query(vector, k, (filters or Filters()).chroma_where())

    def lexical(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Best chunks by BM25."""
        words = self.words()
        mask = None
        if filters is not None and filters != Filters():
            mask = np.fromiter((filters.allows(d) for d in words.docs), dtype=bool, count=len(words.docs))
        return [(words.chunks[i].chunk_id, s) for i, s in words.bm25.top(index_terms(query), k, mask)]

    def search(
        self, query: str, k: int = 5, filters: Filters | None = None, *, merge: bool = True
    ) -> list[Hit]:
        """Top-k hits for `query`: both rankings fused, then neighbours of one section merged."""
        words = self.words()
        if not words.chunks:
            return []
        dense = self.dense(query, self.candidates, filters)
        lexical = self.lexical(query, self.candidates, filters)
        fused = fuse(dense, lexical, method=self.fusion)
        # Keep only chunks the catalog knows: vectors of an interrupted ingest are not searchable.
        ranked = [(cid, s) for cid, s in fused if cid in words.position][: max(k * 3, k)]
        hits = [_hit(words, cid, score) for cid, score in ranked]
        if merge:
            hits = merge_adjacent(hits)
        return hits[:k]


def fuse(
    dense: Sequence[tuple[str, float]], lexical: Sequence[tuple[str, float]], *, method: str = "zscore"
) -> list[tuple[str, float]]:
    """Combine two rankings: z-scored scores summed (the default: best on JaQuAD, see bench/retrieval.py), or RRF."""
    scores: dict[str, float] = {}
    if method == "rrf":
        for ranking in (dense, lexical):
            for rank, (cid, _s) in enumerate(ranking):
                scores[cid] = scores.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
    elif method == "zscore":
        for ranking in (dense, lexical):
            if not ranking:
                continue
            values = np.array([s for _, s in ranking], dtype=np.float64)
            mean, std = values.mean(), values.std() or 1.0
            floor = (values.min() - mean) / std
            for cid, s in ranking:
                scores[cid] = scores.get(cid, floor) + (s - mean) / std
            for cid in scores.keys() - {c for c, _ in ranking}:
                scores[cid] += floor
    else:
        raise ValueError(f"unknown fusion method: {method}")
    return sorted(scores.items(), key=lambda kv: -kv[1])


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _hit(words: _WordIndex, chunk_id: str, score: float) -> Hit:
    i = words.position[chunk_id]
    chunk, doc = words.chunks[i], words.docs[i]
    section_sources = chunk.metadata.get("section_sources") or []
    source = next((s for s in section_sources if s.startswith("http")), "") or doc.get("source", "")
    return Hit(
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=doc.get("title", ""),
        source=source,
        heading=chunk.heading,
        text=chunk.text,
        score=round(float(score), 6),
        metadata={
            "position": chunk.position,
            "doc_type": doc.get("doc_type"),
            "municipality": doc.get("municipality"),
            "audience": doc.get("audience", []),
            "published": doc.get("published"),
            "effective_from": doc.get("effective_from"),
            "effective_to": doc.get("effective_to"),
            "section_sources": section_sources,
            "parts": [chunk.chunk_id],
        },
    )


def merge_adjacent(hits: list[Hit]) -> list[Hit]:
    """Fold a hit into a better-ranked neighbour from the same section (position ±1), joining their text."""
    kept: list[Hit] = []
    for hit in hits:
        host = next(
            (
                h for h in kept
                if h.doc_id == hit.doc_id and h.heading == hit.heading
                and any(abs(p - hit.metadata["position"]) == 1 for p in h.metadata.get("positions", [h.metadata["position"]]))
            ),
            None,
        )  # fmt: skip
        if host is None:
            kept.append(hit)
            continue
        positions = host.metadata.get("positions", [host.metadata["position"]])
        if hit.metadata["position"] < min(positions):
            host.text = _join(hit.text, host.text)
        else:
            host.text = _join(host.text, hit.text)
        host.metadata["positions"] = sorted([*positions, hit.metadata["position"]])
        host.metadata["parts"] = [*host.metadata["parts"], hit.chunk_id]
    return kept


def _join(first: str, second: str) -> str:
    """Concatenate two overlapping chunks without repeating the shared sentence."""
    for size in range(min(len(first), len(second)), 0, -1):
        if first.endswith(second[:size]):
            return first + second[size:]
    return first + second
