"""Non-LLM answer metrics: chrF on raw text, BLEU and ROUGE-L on Sudachi words, id-based context scores.

ragas' own tokeniser drops Japanese, so BLEU is fed space-joined Sudachi tokens; ROUGE-L is computed
here on the same tokens because ragas' RougeScore needs the `rouge_score` package, which is not installed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def tokens(text: str) -> list[str]:
    """Split Japanese text into content words (the word index's Sudachi mode C tokeniser)."""
    from kodomo_ai.index.lexical import tokenize

    return tokenize(text)


def _run(metric: Any, **kwargs: Any) -> float:
    return float(metric.score(**kwargs).value)


def chrf(reference: str, response: str) -> float:
    """Return chrF (0-1) of `response` against `reference` on raw characters (ragas CHRFScore)."""
    from ragas.metrics.collections import CHRFScore

    return _run(CHRFScore(), reference=reference, response=response)


def bleu(reference: str, response: str) -> float:
    """Return BLEU (0-1) on Sudachi words (ragas BleuScore over space-joined tokens)."""
    from ragas.metrics.collections import BleuScore

    ref, hyp = " ".join(tokens(reference)), " ".join(tokens(response))
    if not ref or not hyp:
        return 0.0
    return _run(BleuScore(), reference=ref, response=hyp)


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(reference: str, response: str) -> float:
    """Return ROUGE-L F-measure (0-1) on Sudachi words."""
    ref, hyp = tokens(reference), tokens(response)
    if not ref or not hyp:
        return 0.0
    lcs = _lcs_length(ref, hyp)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(hyp), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def id_context_precision(retrieved_ids: Sequence[str], reference_ids: Sequence[str]) -> float | None:
    """Return the share of retrieved doc ids that are expected (ragas IDBasedContextPrecision)."""
    if not retrieved_ids or not reference_ids:
        return None
    from ragas.dataset_schema import SingleTurnSample
    from ragas.metrics._context_precision import IDBasedContextPrecision

    sample = SingleTurnSample(
        retrieved_context_ids=list(retrieved_ids), reference_context_ids=list(reference_ids)
    )
    return _finite(IDBasedContextPrecision().single_turn_score(sample))


def id_context_recall(retrieved_ids: Sequence[str], reference_ids: Sequence[str]) -> float | None:
    """Return the share of expected doc ids that were retrieved (ragas IDBasedContextRecall)."""
    if not reference_ids:
        return None
    if not retrieved_ids:
        return 0.0
    from ragas.dataset_schema import SingleTurnSample
    from ragas.metrics._context_recall import IDBasedContextRecall

    sample = SingleTurnSample(
        retrieved_context_ids=list(retrieved_ids), reference_context_ids=list(reference_ids)
    )
    return _finite(IDBasedContextRecall().single_turn_score(sample))


def _finite(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def text_metrics(reference: str, response: str) -> dict[str, float]:
    """Return chrF, BLEU and ROUGE-L of a response against its reference answer."""
    if not reference.strip() or not response.strip():
        return {"chrf": 0.0, "bleu": 0.0, "rouge_l": 0.0}
    return {
        "chrf": chrf(reference, response),
        "bleu": bleu(reference, response),
        "rouge_l": rouge_l(reference, response),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
