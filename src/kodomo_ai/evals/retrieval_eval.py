"""Retrieval evaluation: recall@k, MRR and nDCG@k of the expected documents for a question set."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kodomo_ai.evals.suite import SuiteError


class RetrievalQuestion(BaseModel):
    """One question of a development set (evals/dev/parts/*.yaml) with the doc ids that answer it."""

    model_config = ConfigDict(extra="ignore")

    id: str
    question: str
    audience: str = "parent"
    docs: list[str] = Field(default_factory=list)


def load_questions(path: str | Path) -> list[RetrievalQuestion]:
    """Read a YAML list of questions (or a folder of such files); raise SuiteError on bad entries."""
    p = Path(path)
    files = sorted(p.glob("*.yaml")) if p.is_dir() else [p]
    questions: list[RetrievalQuestion] = []
    for file in files:
        try:
            raw = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise SuiteError(str(file), f"cannot read: {error}") from None
        if isinstance(raw, dict) and "questions" in raw:
            raw = raw["questions"]
        if not isinstance(raw, list):
            raise SuiteError(str(file), "expected a YAML list of questions")
        for n, item in enumerate(raw, start=1):
            try:
                questions.append(RetrievalQuestion.model_validate(item))
            except ValidationError as error:
                first = error.errors()[0]
                case = item.get("id") if isinstance(item, dict) else None
                field = ".".join(str(x) for x in first["loc"])
                raise SuiteError(str(file), first["msg"], case_id=str(case or f"#{n}"), field=field) from None
    return questions


def ranked_docs(doc_ids: Sequence[str]) -> list[str]:
    """Collapse a ranked list of chunk doc ids to unique doc ids, keeping the best rank."""
    return list(dict.fromkeys(doc_ids))


def recall_at_k(ranked: Sequence[str], expected: Sequence[str], k: int) -> float:
    """Return the share of expected docs found in the top k."""
    top = set(ranked[:k])
    return sum(1 for d in set(expected) if d in top) / len(set(expected))


def reciprocal_rank(ranked: Sequence[str], expected: Sequence[str]) -> float:
    """Return 1/rank of the first expected doc (0 when none is ranked)."""
    for rank, doc in enumerate(ranked, start=1):
        if doc in expected:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], expected: Sequence[str], k: int) -> float:
    """Return binary-relevance nDCG@k."""
    wanted = set(expected)
    dcg = sum(1.0 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1) if doc in wanted)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(wanted), k) + 1))
    return dcg / ideal if ideal else 0.0


def evaluate_retrieval(
    questions: Sequence[RetrievalQuestion], search: Callable[[str, int], Sequence[Any]], k: int = 5
) -> dict[str, Any]:
    """Search every question that names docs and return mean recall@k, hit@k, MRR, nDCG@k and per-question rows."""
    rows: list[dict[str, Any]] = []
    for q in questions:
        if not q.docs:
            continue
        hits = search(q.question, k)
        ranked = ranked_docs([h.doc_id for h in hits])
        rows.append(
            {
                "id": q.id,
                "question": q.question,
                "expected": q.docs,
                "ranked": ranked[:k],
                "recall": recall_at_k(ranked, q.docs, k),
                "hit": 1.0 if set(ranked[:k]) & set(q.docs) else 0.0,
                "rr": reciprocal_rank(ranked, q.docs),
                "ndcg": ndcg_at_k(ranked, q.docs, k),
            }
        )
    n = len(rows)

    def mean(key: str) -> float:
        return sum(r[key] for r in rows) / n if n else 0.0

    return {
        "k": k,
        "questions": n,
        "skipped": len(questions) - n,
        f"recall@{k}": mean("recall"),
        f"hit@{k}": mean("hit"),
        "mrr": mean("rr"),
        f"ndcg@{k}": mean("ndcg"),
        "rows": rows,
    }
