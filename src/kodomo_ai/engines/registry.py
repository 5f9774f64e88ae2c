"""Engine registry: `register(name, factory)`, `get_engine(name, settings)`; plugins via entry points."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from kodomo_ai.engines.base import AnswerEngine
from kodomo_ai.errors import EngineError

Factory = Callable[[Any], AnswerEngine]
_FACTORIES: dict[str, Factory] = {}


def register(name: str, factory: Factory) -> None:
    """Make an engine available under `name` (factory receives the settings)."""
    _FACTORIES[name] = factory


def unregister(name: str) -> None:
    """Remove an engine (tests undo their registrations)."""
    _FACTORIES.pop(name, None)


def _builtin() -> None:
    from kodomo_ai.engines.extractive import ExtractiveEngine
    from kodomo_ai.engines.llamacpp import LlamaCppEngine
    from kodomo_ai.engines.openai_compat import OpenAIEngine

    _FACTORIES.setdefault("extractive", lambda settings: ExtractiveEngine())
    _FACTORIES.setdefault("openai", OpenAIEngine.from_settings)
    _FACTORIES.setdefault("llamacpp", LlamaCppEngine.from_settings)
    for ep in entry_points(group="kodomo_ai.engines"):
        _FACTORIES.setdefault(ep.name, ep.load())


def names() -> list[str]:
    """Every registered engine name."""
    _builtin()
    return sorted(_FACTORIES)


def get_engine(name: str, settings: Any) -> AnswerEngine:
    """Build the engine called `name`."""
    _builtin()
    if name not in _FACTORIES:
        raise EngineError(f"unknown engine {name!r}; available: {', '.join(sorted(_FACTORIES))}")
    return _FACTORIES[name](settings)
