"""Builds the long-lived objects (knowledge base, retriever) from settings, once per process."""

from __future__ import annotations

import threading

from kodomo_ai.config import Settings
from kodomo_ai.index.embeddings import load_embedder
from kodomo_ai.index.knowledge_base import KnowledgeBase
from kodomo_ai.retrieval import Retriever

_LOCK = threading.Lock()
_KBS: dict[tuple[str, str, str, str | None], KnowledgeBase] = {}


def open_knowledge_base(settings: Settings) -> KnowledgeBase:
    """The knowledge base of these settings (cached: Chroma and the model load once)."""
    key = (
        str(settings.index_dir.resolve()),
        settings.collection,
        settings.embedding_model,
        settings.chroma_url,
    )
    with _LOCK:
        if key not in _KBS:
            embedder = load_embedder(settings.embedding_model, settings.models_dir)
            _KBS[key] = KnowledgeBase.open(
                settings.index_dir, embedder, collection=settings.collection, chroma_url=settings.chroma_url
            )
        return _KBS[key]


def open_retriever(settings: Settings) -> Retriever:
    """A retriever over the settings' knowledge base."""
    return Retriever(open_knowledge_base(settings))
