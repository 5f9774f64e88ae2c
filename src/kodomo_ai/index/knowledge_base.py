"""The knowledge base: catalog (SQLite) + vectors (Chroma) + embedder, opened from one data dir."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

from kodomo_ai.index.catalog import Catalog
from kodomo_ai.index.embeddings import Embedder
from kodomo_ai.index.generations import Generations, IndexSnapshot, SnapshotCache
from kodomo_ai.index.vectorstore import Metadata, VectorStore
from kodomo_ai.schema import AUDIENCES, Chunk, Document


class IndexUpdate:
    """One writer's transaction: `base` is what readers see; `draft()` is the next generation, made on first use."""

    def __init__(self, kb: KnowledgeBase, base: IndexSnapshot) -> None:
        self.kb = kb
        self.base = base
        self._draft: IndexSnapshot | None = None

    @property
    def started(self) -> bool:
        """Whether anything will be written."""
        return self._draft is not None

    def draft(self, *, empty: bool = False) -> IndexSnapshot:
        """The generation being written: a copy of `base` (or an empty one when everything is rebuilt)."""
        if self._draft is None:
            generations = self.kb.generations
            if generations is None:
                self._draft = self.base  # a fixed index is written in place
            else:
                self._draft = generations.create(None if empty else self.base)
        return self._draft


class KnowledgeBase:
    """Everything an ingest writes and a search reads.

    Opened from a folder (`open`), reads go to the current generation, checked on every access, and writes
    go through `update()`, which builds the next generation and swaps it in. Built from a catalog and a
    store directly, it is one fixed index written in place (tests, benchmarks).
    """

    def __init__(
        self,
        catalog: Catalog | None = None,
        store: VectorStore | None = None,
        embedder: Embedder | None = None,
        *,
        generations: Generations | None = None,
    ) -> None:
        if embedder is None:
            raise TypeError("KnowledgeBase needs an embedder")
        self.embedder = embedder
        self.generations = generations
        self._fixed: IndexSnapshot | None = None
        self._cache: SnapshotCache | None = None
        if generations is None:
            if catalog is None or store is None:
                raise TypeError("KnowledgeBase needs a catalog and a store, or generations")
            self._fixed = IndexSnapshot("fixed", catalog, store)
        else:
            self._cache = SnapshotCache(generations)

    @classmethod
    def open(
        cls, index_dir: Path, embedder: Embedder, *, collection: str = "kodomo", chroma_url: str | None = None
    ) -> KnowledgeBase:
        """Open (or create) the knowledge base in `index_dir`."""
        index_dir.mkdir(parents=True, exist_ok=True)
        return cls(embedder=embedder, generations=Generations(index_dir, collection, chroma_url=chroma_url))

    def snapshot(self) -> IndexSnapshot:
        """The current generation (one stat of the pointer file per call)."""
        if self._fixed is not None:
            return self._fixed
        assert self._cache is not None
        return self._cache.get()

    @property
    def catalog(self) -> Catalog:
        """The current generation's catalog."""
        return self.snapshot().catalog

    @property
    def store(self) -> VectorStore:
        """The current generation's vectors."""
        return self.snapshot().store

    def generation(self) -> str:
        """Changes whenever any process changed the index (readers refresh their word index on it)."""
        snapshot = self.snapshot()
        if self._fixed is not None:
            return snapshot.catalog.get_info("generation") or "0"
        return snapshot.generation

    @contextlib.contextmanager
    def update(self) -> Iterator[IndexUpdate]:
        """A write transaction: the draft is published when the block ends normally, discarded otherwise."""
        if self.generations is None:
            txn = IndexUpdate(self, self.snapshot())
            yield txn
            if txn.started:
                self.snapshot().catalog.set_info("generation", uuid.uuid4().hex)
            return
        generations = self.generations
        with generations.writing():
            txn = IndexUpdate(self, self.snapshot())
            try:
                yield txn
            except BaseException:
                if txn._draft is not None:
                    generations.discard(txn._draft)
                raise
            if txn._draft is not None:
                generations.publish(txn._draft, previous=txn.base.generation)
                self.snapshot()  # move this process at once
                generations.collect()

    def close(self) -> None:
        """Close every open generation."""
        if self._cache is not None:
            self._cache.close()


def chunk_metadata(doc: Document, chunk: Chunk) -> Metadata:
    """Flat metadata stored with a vector, used by search filters."""
    meta: Metadata = {
        "doc_id": doc.doc_id,
        "doc_type": doc.doc_type,
        "municipality": doc.municipality or "",
        "position": chunk.position,
    }
    for audience in AUDIENCES:
        meta[f"aud_{audience}"] = audience in doc.audience
    return meta
