"""Run results: per-case records, summaries by suite and criterion, and results.json I/O."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from kodomo_ai.evals.metrics import percentile
from kodomo_ai.evals.suite import CRITERIA, Suite

RESULTS_FILE = "results.json"


class CheckRecord(BaseModel):
    """One check on one answer (or on a group of answers)."""

    name: str
    passed: bool
    detail: str
    target: str = ""
    skipped: bool = False


class AnswerRecord(BaseModel):
    """What the system answered to one question of a case."""

    label: str
    question: str
    mode: str = ""
    answer: str = ""
    citations: list[dict[str, Any]] = Field(default_factory=list)
    escalation: dict[str, Any] | None = None
    engine: str = ""
    latency_ms: float = 0.0
    retrieved_doc_ids: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    error: str | None = None


class CaseResult(BaseModel):
    """The outcome of one case: its checks, answers and metrics."""

    suite: str
    id: str
    criterion: str
    kind: str
    audience: str
    question: str
    passed: bool
    checks: list[CheckRecord] = Field(default_factory=list)
    answers: list[AnswerRecord] = Field(default_factory=list)
    metrics: dict[str, float | None] = Field(default_factory=dict)
    expect: dict[str, Any] = Field(default_factory=dict)
    note: str = ""
    error: str | None = None

    def failed_checks(self) -> list[CheckRecord]:
        """Return the checks that failed (skipped ones excluded)."""
        return [c for c in self.checks if not c.passed and not c.skipped]


class SuiteSummary(BaseModel):
    """Pass rate of one suite against its threshold."""

    name: str
    path: str
    description: str = ""
    criterion: str = ""
    threshold: float
    total: int
    passed: int
    pass_rate: float
    gate_passed: bool


class CriterionSummary(BaseModel):
    """Pass rate of all cases filed under one guideline criterion."""

    criterion: str
    label: str
    total: int
    passed: int
    pass_rate: float


class RunResult(BaseModel):
    """Everything one evaluation run produced (the results.json contract)."""

    meta: dict[str, Any] = Field(default_factory=dict)
    suites: list[SuiteSummary] = Field(default_factory=list)
    criteria: list[CriterionSummary] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    cases: list[CaseResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def gate_passed(self) -> bool:
        """True when every suite met its threshold."""
        return all(s.gate_passed for s in self.suites)

    def save(self, out_dir: Path) -> Path:
        """Write results.json into `out_dir` and return its path."""
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / RESULTS_FILE
        path.write_text(
            json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        return path


def load_results(path: str | Path) -> RunResult:
    """Read a results.json, or the results.json inside a run folder."""
    p = Path(path)
    if p.is_dir():
        p = p / RESULTS_FILE
    return RunResult.model_validate_json(p.read_text(encoding="utf-8"))


def _rate(passed: int, total: int) -> float:
    return passed / total if total else 0.0


def summarise(
    suites: list[Suite], cases: list[CaseResult]
) -> tuple[list[SuiteSummary], list[CriterionSummary]]:
    """Aggregate case outcomes by suite (with its gate) and by criterion."""
    suite_rows = []
    for suite in suites:
        mine = [c for c in cases if c.suite == suite.name]
        passed = sum(c.passed for c in mine)
        rate = _rate(passed, len(mine))
        suite_rows.append(
            SuiteSummary(
                name=suite.name,
                path=suite.path,
                description=suite.description,
                criterion=suite.criterion,
                threshold=suite.threshold,
                total=len(mine),
                passed=passed,
                pass_rate=rate,
                gate_passed=rate >= suite.threshold,
            )
        )
    criterion_rows = []
    for key, label in CRITERIA.items():
        mine = [c for c in cases if c.criterion == key]
        if mine:
            passed = sum(c.passed for c in mine)
            criterion_rows.append(
                CriterionSummary(
                    criterion=key,
                    label=label,
                    total=len(mine),
                    passed=passed,
                    pass_rate=_rate(passed, len(mine)),
                )
            )
    return suite_rows, criterion_rows


def aggregate_metrics(cases: list[CaseResult]) -> dict[str, Any]:
    """Return the mean of every case metric (with its count) and latency percentiles."""
    values: dict[str, list[float]] = {}
    for case in cases:
        for name, value in case.metrics.items():
            if value is not None:
                values.setdefault(name, []).append(float(value))
    out: dict[str, Any] = {
        name: {"mean": sum(vs) / len(vs), "n": len(vs)}
        for name, vs in sorted(values.items())
        if name != "latency_ms"
    }
    latencies = [
        a.latency_ms for c in cases for a in c.answers if a.error is None and a.label != "外部LLM検査"
    ]
    if latencies:
        out["latency_ms"] = {
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "mean": sum(latencies) / len(latencies),
            "max": max(latencies),
            "n": len(latencies),
        }
    return out
