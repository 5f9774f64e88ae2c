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


class ChromaStore(VectorStore):
    """Chroma collection with our own vectors (Chroma's default embedder would try to download a model)."""

    def __init__(
        self, path: Path | None, collection: str, *, url: str | None = None, client: Any = None
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
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
