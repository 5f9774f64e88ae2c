"""LLM-judged ragas metrics (faithfulness, answer relevancy, context precision) against a judge model.

Only used when a judge is configured (KODOMO_JUDGE_BASE_URL): LangChain's ChatOpenAI at that address,
wrapped for ragas; answer relevancy compares question embeddings with the project's local embedder.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

JUDGED_METRICS = ("faithfulness", "answer_relevancy", "llm_context_precision")


@dataclass
class JudgeConfig:
    """Where the judge model is served and which embedder answer relevancy uses."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 120.0
    embedder: Any = None  # a kodomo_ai.index.embeddings.Embedder, or None to skip answer relevancy


def _langchain_embeddings(embedder: Any) -> Any:
    from langchain_core.embeddings import Embeddings

    class _LocalEmbeddings(Embeddings):
        """The project's embedder behind LangChain's Embeddings interface."""

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            """Embed texts (ragas compares generated questions with the asked one, so use query mode)."""
            return [list(map(float, v)) for v in embedder.embed_batch(list(texts), kind="query")]

        def embed_query(self, text: str) -> list[float]:
            """Embed one question."""
            return [float(x) for x in embedder.embed_query(text)]

    return _LocalEmbeddings()


class Judge:
    """Scores answers with ragas' LLM metrics; each score is a float or None with a note."""

    def __init__(self, config: JudgeConfig) -> None:
        from langchain_openai import ChatOpenAI

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ragas flags its LangChain wrappers as deprecated
            from ragas.embeddings import LangchainEmbeddingsWrapper
            from ragas.llms import LangchainLLMWrapper
            from ragas.metrics._answer_relevance import ResponseRelevancy
            from ragas.metrics._context_precision import LLMContextPrecisionWithoutReference
            from ragas.metrics._faithfulness import Faithfulness

            chat = ChatOpenAI(
                base_url=config.base_url,
                model=config.model,
                api_key=config.api_key or "not-needed",  # type: ignore[arg-type]
                temperature=0,
                timeout=config.timeout_s,
                max_retries=1,
            )
            llm = LangchainLLMWrapper(chat)
            self.metrics: dict[str, Any] = {
                "faithfulness": Faithfulness(llm=llm),
                "llm_context_precision": LLMContextPrecisionWithoutReference(llm=llm),
            }
            if config.embedder is not None:
                embeddings = LangchainEmbeddingsWrapper(_langchain_embeddings(config.embedder))
                self.metrics["answer_relevancy"] = ResponseRelevancy(llm=llm, embeddings=embeddings)
        self.model = config.model

    def score(
        self, question: str, response: str, contexts: list[str]
    ) -> tuple[dict[str, float | None], list[str]]:
        """Return each judged metric for one answer, and notes on any that failed."""
        from ragas.dataset_schema import SingleTurnSample

        sample = SingleTurnSample(user_input=question, response=response, retrieved_contexts=contexts or [""])
        scores: dict[str, float | None] = {}
        notes: list[str] = []
        for name in JUDGED_METRICS:
            metric = self.metrics.get(name)
            if metric is None:
                scores[name] = None
                notes.append(f"{name}: 埋め込みモデルがないため省略")
                continue
            try:
                value = float(metric.single_turn_score(sample))
                scores[name] = None if math.isnan(value) else value
            except Exception as error:  # a judge failure must not stop the run
                log.warning("judge metric %s failed: %s", name, error)
                scores[name] = None
                notes.append(f"{name}: 判定モデルの呼び出しに失敗（{type(error).__name__}）")
        return scores, notes
