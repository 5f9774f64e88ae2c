"""The `llamacpp` engine: a local GGUF model served in-process by xllamacpp, spoken to as an OpenAI server."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from kodomo_ai.engines.openai_compat import OpenAIEngine
from kodomo_ai.errors import EngineError

_SERVERS: dict[tuple[str, int, int, int], Any] = {}
_LOCK = threading.Lock()
# Japanese text costs one or more tokens per character in most small models' vocabularies: six retrieved
# chunks and the system prompt need several thousand tokens, so 4096 would cut the sources off.
DEFAULT_CTX = 8192
DEFAULT_MAX_TOKENS = 512


def start_server(
    gguf_path: str, *, threads: int = 2, n_ctx: int = DEFAULT_CTX, n_predict: int = DEFAULT_MAX_TOKENS
) -> str:
    """Start (once per file and settings) llama.cpp's server in this process and return its base URL."""
    try:
        import xllamacpp as xlc
    except ImportError as exc:
        raise EngineError(
            "engine 'llamacpp' needs the optional extra: pip install 'kodomo-ai[llamacpp]'"
        ) from exc
    if not Path(gguf_path).is_file():
        raise EngineError(f"engine 'llamacpp': no GGUF file at {gguf_path}")
    key = (gguf_path, threads, n_ctx, n_predict)
    with _LOCK:
        if key not in _SERVERS:
            params = xlc.CommonParams()
            params.model.path = gguf_path
            params.n_ctx = n_ctx
            params.n_predict = n_predict  # a server-side cap: a weak model may otherwise ramble to n_ctx
            params.cpuparams.n_threads = threads
            params.cpuparams_batch.n_threads = threads  # prompt processing, the slow part on CPU
            params.n_parallel = 1  # one slot gets the whole context (n_ctx is split across slots)
            try:
                # Binds 127.0.0.1 on a free port; listening_address is "http://127.0.0.1:PORT".
                _SERVERS[key] = xlc.Server(params)
            except Exception as exc:  # a bad or unsupported file: the caller falls back or reports
                raise EngineError(f"engine 'llamacpp' could not load {gguf_path}: {exc}") from exc
        return f"{_SERVERS[key].listening_address.rstrip('/')}/v1"


class LlamaCppEngine(OpenAIEngine):
    """Runs a user-supplied GGUF on the CPU; text never leaves the machine."""

    name = "llamacpp"
    remote = False

    @classmethod
    def start(
        cls, gguf_path: Path | str, *, prompts_dir: Path, threads: int = 2, n_ctx: int = DEFAULT_CTX,
        max_tokens: int = DEFAULT_MAX_TOKENS, timeout: float = 120.0,
    ) -> LlamaCppEngine:  # fmt: skip
        """Start the in-process server for `gguf_path` (once) and return an engine speaking to it."""
        base_url = start_server(str(gguf_path), threads=threads, n_ctx=n_ctx, n_predict=max_tokens)
        return cls(
            base_url=base_url, model="local", api_key=None, timeout=timeout, prompts_dir=prompts_dir,
            max_tokens=max_tokens,
        )  # fmt: skip

    @classmethod
    def from_settings(cls, settings: Any) -> LlamaCppEngine:
        """Build from KODOMO_GGUF_PATH."""
        if not settings.gguf_path or not settings.gguf_path.exists():
            raise EngineError(
                f"engine 'llamacpp' needs KODOMO_GGUF_PATH pointing at a .gguf file ({settings.gguf_path})"
            )
        return cls.start(
            settings.gguf_path, prompts_dir=settings.prompts_dir, threads=settings.llama_threads,
            timeout=settings.llm_timeout_s,
        )  # fmt: skip
