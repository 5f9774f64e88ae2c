"""Consistency: repeated questions and their variants give the same mode and the same facts."""

from __future__ import annotations

from kodomo_ai.evals.checks.facts import matched_facts
from kodomo_ai.evals.checks.result import CheckResult
from kodomo_ai.schema import Answer


def _label(i: int, labels: list[str] | None) -> str:
    return labels[i] if labels and i < len(labels) else f"#{i + 1}"


def check_agreement(
    answers: list[Answer], facts: list[list[str]], labels: list[str] | None = None
) -> CheckResult:
    """Pass when all answers share one mode and find exactly the same fact groups."""
    if len(answers) < 2:
        return CheckResult(True, "比較対象が1件のみ")
    problems: list[str] = []
    modes = [a.mode for a in answers]
    if len(set(modes)) > 1:
        problems.append(
            "mode が不一致: " + ", ".join(f"{_label(i, labels)}={m}" for i, m in enumerate(modes))
        )
    if facts:
        found = [tuple(matched_facts(a.answer, facts)) for a in answers]
        if len(set(found)) > 1:
            rows = [f"{_label(i, labels)}={sum(f)}/{len(f)}" for i, f in enumerate(found)]
            problems.append("含まれる事実が不一致: " + ", ".join(rows))
    if problems:
        return CheckResult(False, "; ".join(problems))
    return CheckResult(True, f"{len(answers)} 件の回答で mode と事実が一致（mode={modes[0]}）")
