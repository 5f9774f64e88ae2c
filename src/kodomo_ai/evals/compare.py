"""Compare two runs: pass-rate deltas per criterion and suite, metric deltas, and cases that flipped."""

from __future__ import annotations

import unicodedata
from typing import Any

from kodomo_ai.evals.results import RunResult


def _rates(rows: list[Any], key: str) -> dict[str, tuple[float, int]]:
    return {getattr(r, key): (r.pass_rate, r.total) for r in rows}


def compare_runs(a: RunResult, b: RunResult) -> dict[str, Any]:
    """Return what changed from run `a` to run `b`."""
    labels = {c.criterion: c.label for c in [*a.criteria, *b.criteria]}
    ca, cb = _rates(a.criteria, "criterion"), _rates(b.criteria, "criterion")
    criteria = [
        {
            "criterion": key,
            "label": labels[key],
            "before": ca.get(key, (None, 0))[0],
            "after": cb.get(key, (None, 0))[0],
            "delta": (cb[key][0] - ca[key][0]) if key in ca and key in cb else None,
        }
        for key in labels
    ]
    sa, sb = _rates(a.suites, "name"), _rates(b.suites, "name")
    suites = [
        {
            "suite": name,
            "before": sa.get(name, (None, 0))[0],
            "after": sb.get(name, (None, 0))[0],
            "delta": (sb[name][0] - sa[name][0]) if name in sa and name in sb else None,
        }
        for name in dict.fromkeys([*sa, *sb])
    ]
    metrics = []
    for name in dict.fromkeys([*a.metrics, *b.metrics]):
        before, after = a.metrics.get(name), b.metrics.get(name)
        field = "p95" if name == "latency_ms" else "mean"
        x = before.get(field) if isinstance(before, dict) else None
        y = after.get(field) if isinstance(after, dict) else None
        metrics.append(
            {
                "metric": name if field == "mean" else f"{name}.p95",
                "before": x,
                "after": y,
                "delta": (y - x) if x is not None and y is not None else None,
            }
        )
    cases_a = {(c.suite, c.id): c for c in a.cases}
    cases_b = {(c.suite, c.id): c for c in b.cases}
    flipped = []
    for key in cases_a.keys() & cases_b.keys():
        before, after = cases_a[key], cases_b[key]
        if before.passed != after.passed:
            failing = [f"{c.name}: {c.detail}" for c in (after if before.passed else before).failed_checks()]
            flipped.append(
                {
                    "suite": key[0],
                    "id": key[1],
                    "criterion": after.criterion,
                    "change": "regressed" if before.passed else "fixed",
                    "evidence": failing[:3],
                }
            )
    flipped.sort(key=lambda row: (row["change"] != "regressed", row["suite"], row["id"]))
    return {
        "before": a.meta,
        "after": b.meta,
        "pass_rate": {"before": _overall(a), "after": _overall(b)},
        "criteria": criteria,
        "suites": suites,
        "metrics": metrics,
        "flipped": flipped,
        "added": sorted(f"{s}/{i}" for s, i in cases_b.keys() - cases_a.keys()),
        "removed": sorted(f"{s}/{i}" for s, i in cases_a.keys() - cases_b.keys()),
    }


def _overall(run: RunResult) -> float:
    return sum(c.passed for c in run.cases) / len(run.cases) if run.cases else 0.0


def _pad(text: str, width: int) -> str:
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _signed(value: float | None, *, percent: bool = True) -> str:
    if value is None:
        return "-"
    return f"{value * 100:+.1f}pt" if percent else f"{value:+.3f}"


def format_comparison(diff: dict[str, Any]) -> str:
    """Render a comparison as plain text for the terminal."""
    lines = [
        f"比較: {diff['before'].get('git_sha', '?')} ({diff['before'].get('started', '')}) → "
        f"{diff['after'].get('git_sha', '?')} ({diff['after'].get('started', '')})",
        f"全体の合格率: {_pct(diff['pass_rate']['before'])} → {_pct(diff['pass_rate']['after'])}",
        "",
        "観点別の合格率:",
    ]
    for row in diff["criteria"]:
        lines.append(
            f"  {row['label']:<36} {_pct(row['before']):>7} → {_pct(row['after']):>7}  {_signed(row['delta'])}"
        )
    lines += ["", "スイート別の合格率:"]
    for row in diff["suites"]:
        lines.append(
            f"  {row['suite']:<36} {_pct(row['before']):>7} → {_pct(row['after']):>7}  {_signed(row['delta'])}"
        )
    if diff["metrics"]:
        lines += ["", "指標:"]
        for row in diff["metrics"]:
            x, y = row["before"], row["after"]
            fx = "-" if x is None else f"{x:.3f}"
            fy = "-" if y is None else f"{y:.3f}"
            lines.append(f"  {row['metric']:<36} {fx:>9} → {fy:>9}  {_signed(row['delta'], percent=False)}")
    lines += ["", f"結果が変わったケース: {len(diff['flipped'])} 件"]
    for row in diff["flipped"]:
        mark = "✗ 悪化" if row["change"] == "regressed" else "✓ 改善"
        lines.append(f"  {mark} {row['suite']}/{row['id']} ({row['criterion']})")
        for evidence in row["evidence"]:
            lines.append(f"      {evidence}")
    if diff["added"]:
        lines.append(f"追加されたケース: {', '.join(diff['added'])}")
    if diff["removed"]:
        lines.append(f"削除されたケース: {', '.join(diff['removed'])}")
    return "\n".join(lines)
