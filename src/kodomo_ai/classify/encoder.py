"""A fast copy of the e5 encoder for classification: int8 linear layers, the same tokenizer and pooling."""

from __future__ import annotations

import copy
import threading
import warnings
from typing import Any

import numpy as np

from kodomo_ai.index.embeddings import Embedder


class QuantizedEncoder:
    """Encodes short messages about 2x faster than float32 (cosine to it about 0.97 on chat messages).

    Classifiers are fitted and run on this same encoder, so the approximation is learned with them; the
    retrieval index keeps the float32 model.
    """

    def __init__(self, embedder: Embedder, max_length: int = 128) -> None:
        import torch

        model: Any = getattr(embedder, "model", None)
        if model is None:
            raise TypeError("the classifier encoder needs a sentence-transformers embedder")
        self.tokenizer = model.tokenizer
        self.max_length = max_length
        self.prefix = (getattr(model, "prompts", {}) or {}).get("query", "")
        with warnings.catch_warnings():  # torch announces a future API for the same call
            warnings.simplefilter("ignore")
            self.bert = torch.ao.quantization.quantize_dynamic(
                copy.deepcopy(model[0].auto_model), {torch.nn.Linear}, dtype=torch.qint8
            ).eval()
        self._lock = threading.Lock()
        # Fitting several classifiers in one process encodes the same training texts again: keep them.
        self._cache: dict[str, np.ndarray] = {}
        self.cache_size = 100_000

    def __call__(self, texts: list[str], *, cache: bool = False) -> np.ndarray:
        """L2-normalised mean-pooled vectors of `texts` as queries.

        Int8 activations are scaled per batch, so a text's vector depends a little on its batch-mates: routing
        encodes a message's segments as one batch every time (deterministic); only fitting uses the cache.
        """
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        if not cache:
            return self._encode(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for text, vector in zip(missing, self._encode(missing), strict=True):
                if len(self._cache) < self.cache_size:
                    self._cache[text] = vector
                else:
                    return self._encode(texts)
        return np.stack([self._cache[t] for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        import torch

        # Similar lengths batched together: padding to a long neighbour is what makes big batches slow.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 0), dtype=np.float32)
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), 32):
                idx = order[start : start + 32]
                enc = self.tokenizer(
                    [self.prefix + texts[i] for i in idx], padding=True, truncation=True,
                    max_length=self.max_length, return_tensors="pt",
                )  # fmt: skip
                hidden = self.bert(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                vectors = torch.nn.functional.normalize(pooled, dim=-1).numpy()
                if out.shape[1] == 0:
                    out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
                out[idx] = vectors
        return out
