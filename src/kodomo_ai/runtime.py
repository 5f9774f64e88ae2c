"""Builds the long-lived objects (knowledge base, retriever) from settings, once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from kodomo_ai.config import Settings
from kodomo_ai.index.embeddings import load_embedder
from kodomo_ai.index.knowledge_base import KnowledgeBase
from kodomo_ai.retrieval import Retriever

if TYPE_CHECKING:
    from kodomo_ai.classify.encoder import QuantizedEncoder
    from kodomo_ai.classify.risk import RiskAssessor
    from kodomo_ai.classify.scope import ScopeReader

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


_ASSESSORS: dict[tuple[str, str], RiskAssessor] = {}


def open_risk_assessor(settings: Settings, progress: Callable[[str], None] | None = None) -> RiskAssessor:
    """The learned safety classifier for these settings: fitted once per training data, then loaded."""
    from kodomo_ai.classify.risk import RiskAssessor, risk_spec
    from kodomo_ai.classify.store import load_or_fit

    key = (str(settings.training_dir.resolve()), str(settings.models_dir.resolve()))
    with _LOCK:
        if key not in _ASSESSORS:
            spec = risk_spec(settings.training_dir, settings.router_set)
            model = load_or_fit(spec, settings.models_dir, classifier_encoder(settings), progress)
            _ASSESSORS[key] = RiskAssessor(model)
        return _ASSESSORS[key]


_SCOPES: dict[tuple[str, str, str], ScopeReader] = {}


def open_scope_reader(settings: Settings, progress: Callable[[str], None] | None = None) -> ScopeReader:
    """The learned scope decision (fitted on the scope data and the cards' questions, then loaded)."""
    from kodomo_ai.classify.scope import ScopeReader, scope_spec
    from kodomo_ai.classify.store import load_or_fit

    key = (str(settings.training_dir.resolve()), str(settings.models_dir.resolve()), "scope")
    with _LOCK:
        if key not in _SCOPES:
            spec = scope_spec(settings.training_dir)
            model = load_or_fit(spec, settings.models_dir, classifier_encoder(settings), progress)
            _SCOPES[key] = ScopeReader(model)
        return _SCOPES[key]


_ENCODERS: dict[str, QuantizedEncoder] = {}


def classifier_encoder(settings: Settings) -> QuantizedEncoder:
    """The int8 copy of the embedding model that every classifier uses (one per process)."""
    from kodomo_ai.classify.encoder import QuantizedEncoder

    if settings.embedding_model not in _ENCODERS:
        embedder = load_embedder(settings.embedding_model, settings.models_dir)
        _ENCODERS[settings.embedding_model] = QuantizedEncoder(embedder)
    return _ENCODERS[settings.embedding_model]


def open_retriever(settings: Settings) -> Retriever:
    """A retriever over the settings' knowledge base."""
    return Retriever(open_knowledge_base(settings))
