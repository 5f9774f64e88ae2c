"""Vector store seam and its Chroma implementation (embedded or client/server)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

Metadata = dict[str, str | int | float | bool]


class VectorStore(ABC):
    """Stores chunk vectors by id and finds the nearest ones."""

    @abstractmethod
    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[Metadata]) -> None:
        """Insert or replace vectors."""

    @abstractmethod
    def delete(self, ids: list[str]) -> None:
        """Remove vectors by id."""

    @abstractmethod
    def query(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Return up to k (id, cosine similarity) pairs, best first."""

    @abstractmethod
    def ids(self) -> set[str]:
        """Every stored id."""

    def get(self, ids: list[str]) -> tuple[list[str], np.ndarray, list[Metadata]]:
        """The stored (ids, vectors, metadatas) of `ids` that exist (used to copy a generation)."""
        raise NotImplementedError(f"{type(self).__name__} cannot export its vectors")

    def drop(self) -> None:
        """Delete the whole collection (a generation no reader uses any more)."""
        return None

    def close(self) -> None:
        """Release the client's resources."""
        return None


class EmptyStore(VectorStore):
    """The vectors of an index nobody has built yet: finds nothing and refuses writes."""

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[Metadata]) -> None:
        """Refuse: an empty generation is read-only."""
        raise RuntimeError("the empty index is read-only; ingest builds a new generation")

    def delete(self, ids: list[str]) -> None:
        """Nothing to delete."""

    def query(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """No hits."""
        return []

    def ids(self) -> set[str]:
        """No ids."""
        return set()

    def get(self, ids: list[str]) -> tuple[list[str], np.ndarray, list[Metadata]]:
        """Nothing stored."""
        return [], np.zeros((0, 0), dtype=np.float32), []


class ChromaStore(VectorStore):
    """Chroma collection with our own vectors (Chroma's default embedder would try to download a model)."""

    def __init__(
        self, path: Path | None, collection: str, *, url: str | None = None, client: Any = None
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        self._owns_client = client is None
        if client is None and url:
            from urllib.parse import urlparse

            parsed = urlparse(url)
            client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or 8000,
                ssl=parsed.scheme == "https",
                settings=chroma_settings,
            )
        elif client is None:
            assert path is not None, "ChromaStore needs a path or a url"
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        self.client = client
        self.name = collection
        self.collection = client.get_or_create_collection(
            collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[Metadata]) -> None:
        """Upsert in slices that stay under Chroma's batch limit."""
        step = 1000
        for start in range(0, len(ids), step):
            self.collection.upsert(
                ids=ids[start : start + step],
                embeddings=vectors[start : start + step],
                metadatas=metadatas[start : start + step],  # type: ignore[arg-type]
            )

    def delete(self, ids: list[str]) -> None:
        """Delete ids (missing ones are ignored)."""
        if ids:
            self.collection.delete(ids=ids)

    def query(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks by cosine similarity."""
        if k <= 0:
            return []
        result = self.collection.query(
            query_embeddings=[vector], n_results=k, where=where or None, include=["distances"]
        )
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=False)]

    def ids(self) -> set[str]:
        """All ids in the collection."""
        return set(self.collection.get(include=[])["ids"])

    def get(self, ids: list[str]) -> tuple[list[str], np.ndarray, list[Metadata]]:
        """Vectors and metadata of the ids that exist, in slices under Chroma's batch limit."""
        out_ids: list[str] = []
        vectors: list[np.ndarray] = []
        metadatas: list[Metadata] = []
        step = 1000
        for start in range(0, len(ids), step):
            got = self.collection.get(ids=ids[start : start + step], include=["embeddings", "metadatas"])
            out_ids.extend(got["ids"])
            embeddings = got.get("embeddings")
            vectors.extend(
                np.asarray(v, dtype=np.float32) for v in (embeddings if embeddings is not None else [])
            )
            metadatas.extend(dict(m or {}) for m in (got.get("metadatas") or []))
        if not vectors:
            return [], np.zeros((0, 0), dtype=np.float32), []
        return out_ids, np.stack(vectors), metadatas

    def drop(self) -> None:
        """Delete this collection from the client (embedded folder or server)."""
        try:
            self.client.delete_collection(self.name)
        except Exception:  # already gone (another writer collected it): nothing to do
            return

    def close(self) -> None:
        """Close the client it opened (for an embedded store, its files are released)."""
        close = getattr(self.client, "close", None)
        if self._owns_client and close is not None:
            close()
