"""The knowledge base: catalog (SQLite) + vectors (Chroma) + embedder, opened from one data dir."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kodomo_ai.index.catalog import Catalog
from kodomo_ai.index.embeddings import Embedder
from kodomo_ai.index.vectorstore import ChromaStore, Metadata, VectorStore
from kodomo_ai.schema import AUDIENCES, Chunk, Document


@dataclass
class KnowledgeBase:
    """Everything an ingest writes and a search reads."""

    catalog: Catalog
    store: VectorStore
    embedder: Embedder

    @classmethod
    def open(
        cls, index_dir: Path, embedder: Embedder, *, collection: str = "kodomo", chroma_url: str | None = None
    ) -> KnowledgeBase:
        """Open (or create) the knowledge base in `index_dir`."""
        catalog = Catalog(index_dir / "catalog.sqlite3")
        store = ChromaStore(index_dir / "chroma", collection, url=chroma_url)
        return cls(catalog=catalog, store=store, embedder=embedder)

    def generation(self) -> str:
        """Changes whenever any process changed the index (readers refresh their word index on it)."""
        return self.catalog.get_info("generation") or "0"


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
