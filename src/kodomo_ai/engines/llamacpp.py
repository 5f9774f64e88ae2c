"""The `llamacpp` engine: a local GGUF model served in-process by xllamacpp, spoken to as an OpenAI server."""

from __future__ import annotations

import threading
from typing import Any

from kodomo_ai.engines.openai_compat import OpenAIEngine
from kodomo_ai.errors import EngineError

_SERVERS: dict[str, Any] = {}
_LOCK = threading.Lock()


def start_server(gguf_path: str, *, threads: int = 2, n_ctx: int = 4096) -> str:
    """Start (once per file) llama.cpp's server in this process and return its base URL."""
    try:
        import xllamacpp as xlc
    except ImportError as exc:
        raise EngineError(
            "engine 'llamacpp' needs the optional extra: pip install 'kodomo-ai[llamacpp]'"
        ) from exc
    with _LOCK:
        if gguf_path not in _SERVERS:
            params = xlc.CommonParams()
            params.model.path = gguf_path
            params.n_ctx = n_ctx
            params.cpuparams.n_threads = threads
            _SERVERS[gguf_path] = xlc.Server(params)
        return f"{_SERVERS[gguf_path].listening_address.rstrip('/')}/v1"


class LlamaCppEngine(OpenAIEngine):
    """Runs a user-supplied GGUF on the CPU; text never leaves the machine."""

    name = "llamacpp"
    remote = False

    @classmethod
    def from_settings(cls, settings: Any) -> LlamaCppEngine:
        """Build from KODOMO_GGUF_PATH."""
        if not settings.gguf_path or not settings.gguf_path.exists():
            raise EngineError(
                f"engine 'llamacpp' needs KODOMO_GGUF_PATH pointing at a .gguf file ({settings.gguf_path})"
            )
        base_url = start_server(str(settings.gguf_path), threads=settings.llama_threads)
        return cls(
            base_url=base_url, model="local", api_key=None, timeout=settings.llm_timeout_s,
            prompts_dir=settings.prompts_dir,
        )  # fmt: skip
