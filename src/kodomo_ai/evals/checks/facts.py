"""Fact recall and forbidden content in an answer's text."""

from __future__ import annotations

from kodomo_ai.evals.checks.result import CheckResult
from kodomo_ai.evals.normalize import contains


def matched_facts(text: str, facts: list[list[str]]) -> list[bool]:
    """Return, per fact group, whether one of its alternatives occurs in `text`."""
    return [any(contains(text, alt) for alt in group) for group in facts]


def fact_recall(text: str, facts: list[list[str]]) -> float:
    """Return the share of fact groups found in `text` (1.0 when there are none)."""
    hits = matched_facts(text, facts)
    return sum(hits) / len(hits) if hits else 1.0


def check_facts(text: str, facts: list[list[str]]) -> CheckResult:
    """Pass when every fact group has an alternative in `text`."""
    hits = matched_facts(text, facts)
    missing = [" / ".join(group) for group, hit in zip(facts, hits, strict=True) if not hit]
    detail = f"{sum(hits)}/{len(hits)} 件の事実を確認"
    if missing:
        detail += "。不足: " + "; ".join(missing)
    return CheckResult(not missing, detail)


def check_must_not(text: str, must_not: list[str]) -> CheckResult:
    """Pass when none of the forbidden strings (or `re:` patterns) occurs in `text`."""
    found = [item for item in must_not if contains(text, item)]
    if found:
        return CheckResult(False, "禁止表現を検出: " + "; ".join(found))
    return CheckResult(True, f"禁止表現なし（{len(must_not)} 件を確認）")
