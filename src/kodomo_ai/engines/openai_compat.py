"""The `openai` engine: any OpenAI-compatible chat server through LangChain's ChatOpenAI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kodomo_ai.engines.base import AnswerEngine, Draft, EngineRequest
from kodomo_ai.errors import EngineError
from kodomo_ai.ingest.chunking import split_sentences
from kodomo_ai.prompts import Prompt, load_prompt
from kodomo_ai.safety.injection import neutralise

_MARK = re.compile(r"\[(\d{1,2})\]")


class OpenAIEngine(AnswerEngine):
    """Generates with a remote (or local-server) chat model; sources go in as quoted, neutralised data."""

    name = "openai"
    remote = True

    def __init__(self, *, base_url: str, model: str, api_key: str | None, timeout: float, prompts_dir: Path,
                 client: Any = None, max_tokens: int | None = None) -> None:  # fmt: skip
        from langchain_openai import ChatOpenAI

        self.prompt: Prompt = load_prompt(prompts_dir, "answer")
        self.client = client or ChatOpenAI(
            base_url=base_url, model=model, api_key=api_key or "not-needed",  # type: ignore[arg-type]
            timeout=timeout, max_retries=0, temperature=0.1, max_completion_tokens=max_tokens,
        )  # fmt: skip
        self.sent: list[list[dict[str, str]]] = []  # the last messages sent, for audits and tests

    @classmethod
    def from_settings(cls, settings: Any) -> OpenAIEngine:
        """Build from KODOMO_OPENAI_* settings."""
        if not settings.openai_base_url:
            raise EngineError("engine 'openai' needs KODOMO_OPENAI_BASE_URL (an OpenAI-compatible server)")
        return cls(
            base_url=settings.openai_base_url, model=settings.openai_model, api_key=settings.openai_api_key,
            timeout=settings.llm_timeout_s, prompts_dir=settings.prompts_dir,
        )  # fmt: skip

    def messages(self, request: EngineRequest) -> list[dict[str, str]]:
        """The chat messages for a request (sources neutralised, feedback appended on a retry)."""
        sources = [{"title": h.title, "heading": h.heading, "text": neutralise(h.text)} for h in request.hits]
        messages = self.prompt.render(
            question=request.question, sources=sources, rule_results=request.rule_text,
            audience=request.audience, plain=request.plain, language=request.language,
        )  # fmt: skip
        if request.feedback:
            messages.append({"role": "user", "content": request.feedback})
        return messages

    def generate(self, request: EngineRequest) -> Draft:
        """One completion; citations are read from its [n] markers."""
        messages = self.messages(request)
        self.sent.append(messages)
        try:
            reply = self.client.invoke([(m["role"], m["content"]) for m in messages])
        except Exception as exc:  # network, timeout, server error: the caller falls back
            raise EngineError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        return self.draft(str(reply.content), request)

    def stream(self, request: EngineRequest) -> Iterator[str]:
        """Stream tokens as the server sends them."""
        messages = self.messages(request)
        self.sent.append(messages)
        try:
            for piece in self.client.stream([(m["role"], m["content"]) for m in messages]):
                if piece.content:
                    yield str(piece.content)
        except Exception as exc:
            raise EngineError(f"{self.name}: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def draft(text: str, request: EngineRequest) -> Draft:
        """Map [n] markers to the request's hits; each cited hit gets its best-matching sentence as quote."""
        cited: list[tuple[str, str]] = []
        numbers: dict[int, int] = {}
        for match in _MARK.finditer(text):
            n = int(match.group(1))
            if 1 <= n <= len(request.hits) and n not in numbers:
                hit = request.hits[n - 1]
                cited.append((hit.chunk_id, _best_quote(hit.text, text)))
                numbers[n] = len(cited)
        # Renumber so the markers follow the citation list; drop markers pointing at nothing.
        text = _MARK.sub(
            lambda m: f"[{numbers[int(m.group(1))]}]" if int(m.group(1)) in numbers else "", text
        )
        return Draft(text=text.strip(), cited=cited)


def _best_quote(chunk_text: str, answer: str) -> str:
    """The chunk sentence sharing most characters with the answer."""
    sentences = split_sentences(chunk_text) or [chunk_text]
    answer_grams = {answer[i : i + 2] for i in range(len(answer) - 1)}
    return max(sentences, key=lambda s: len({s[i : i + 2] for i in range(len(s) - 1)} & answer_grams))
