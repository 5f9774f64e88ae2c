"""Fitted classifiers on disk: named by their training data, fitted on first use, loaded after."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kodomo_ai.classify.data import Example, fingerprint, read_examples
from kodomo_ai.classify.encoder import QuantizedEncoder
from kodomo_ai.classify.fit import FitConfig, fit_classifier
from kodomo_ai.classify.model import TextClassifier

FEATURES_VERSION = "features-v1-int8"


@dataclass
class ClassifierSpec:
    """What a classifier is fitted on: data files, how items map to classes, extra examples, and how."""

    config: FitConfig
    files: list[Path]
    relabel: Callable[[dict[str, Any]], str | None]
    carriers: Callable[[list[Example]], list[str]]
    extra: list[Example] = field(default_factory=list)


_LOCK = threading.Lock()
_MODELS: dict[str, TextClassifier] = {}


def load_or_fit(
    spec: ClassifierSpec, models_dir: Path, encoder: QuantizedEncoder,
    progress: Callable[[str], None] | None = None,
) -> TextClassifier:  # fmt: skip
    """The model for the spec's current data: loaded from models_dir, or fitted and saved there."""
    if not spec.files:
        raise FileNotFoundError(f"no training data for the {spec.config.name} classifier")
    extra = "\n".join(f"{e.label}\t{e.text}" for e in spec.extra)
    key = fingerprint(spec.files, repr(spec.config), FEATURES_VERSION, extra)
    with _LOCK:
        if key in _MODELS:
            return _MODELS[key]
        path = models_dir / "classifiers" / f"{spec.config.name}-{key}.joblib"
        if path.exists():
            model = TextClassifier.load(path, encoder)
        else:
            examples = read_examples(spec.files, spec.relabel) + spec.extra
            model = fit_classifier(
                examples, spec.carriers(examples), lambda texts: encoder(texts, cache=True), spec.config,
                fingerprint=key, progress=progress,
            )  # fmt: skip
            model.embed = encoder
            model.save(path)
        _MODELS[key] = model
        return model
