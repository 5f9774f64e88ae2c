"""A self-contained HTML report of a run (inline CSS and SVG; Japanese labels) for evaluators to file."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from kodomo_ai.evals.report_template import TEMPLATE
from kodomo_ai.evals.results import RunResult

REPORT_FILE = "report.html"

# Display names of the metrics, in the order shown.
METRIC_LABELS: dict[str, str] = {
    "fact_recall": "事実の再現率",
    "chrf": "chrF（文字）",
    "bleu": "BLEU（Sudachi 単語）",
    "rouge_l": "ROUGE-L（Sudachi 単語）",
    "id_context_precision": "文脈適合率（文書ID）",
    "id_context_recall": "文脈再現率（文書ID）",
    "faithfulness": "忠実性（LLM判定）",
    "answer_relevancy": "回答の関連性（LLM判定）",
    "llm_context_precision": "文脈適合率（LLM判定）",
}

CHECK_LABELS: dict[str, str] = {
    "mode": "応答モード",
    "facts": "必要な事実",
    "must_not": "禁止表現",
    "contacts": "連絡先",
    "referral": "人への引継ぎ",
    "cite": "期待した出典",
    "citations_valid": "引用の検証",
    "has_citations": "出典の明示",
    "numbers_grounded": "数値の根拠",
    "pii_answer": "回答中の個人情報",
    "pii_prompt": "外部LLM送信中の個人情報",
    "pii_logs": "ログ中の個人情報",
    "injection": "指示注入への耐性",
    "agreement": "回答の一貫性",
    "same_substance": "属性間の同等性",
    "error": "実行エラー",
}

KIND_LABELS: dict[str, str] = {
    "factual": "事実回答",
    "escalation": "緊急・相談先への案内",
    "refusal": "お断り",
    "abstention": "回答保留",
    "pii": "個人情報",
    "injection": "プロンプトインジェクション",
    "consistency": "一貫性",
    "fairness": "公平性",
    "robustness": "頑健性",
}

MODE_LABELS: dict[str, str] = {
    "answer": "回答",
    "escalate": "案内（緊急・相談先）",
    "abstain": "回答保留",
    "refuse": "お断り",
}


def _color(rate: float) -> str:
    if rate >= 0.9:
        return "#2e7d32"
    if rate >= 0.7:
        return "#f9a825"
    return "#c62828"


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def bar_chart(rows: list[tuple[str, float, str]], *, plot_width: int = 400, bar_height: int = 22) -> str:
    """Return an inline SVG horizontal bar chart of (label, rate 0-1, caption) rows."""
    gap = 8
    # Room for the longest label at 13px text (about 7px per half-width column).
    label_w = min(560, max(120, max((_columns(label) for label, _, _ in rows), default=0) * 7 + 16))
    plot_w = plot_width
    width = label_w + plot_w + 110
    height = len(rows) * (bar_height + gap) + gap + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="合格率のグラフ" font-size="13">'
    ]
    for tick in (0, 0.5, 0.9, 1.0):
        x = label_w + plot_w * tick
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" stroke="#ccc" stroke-dasharray="3,3"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" fill="#666">{int(tick * 100)}%</text>'
        )
    for i, (label, rate, caption) in enumerate(rows):
        y = gap + i * (bar_height + gap)
        w = max(plot_w * rate, 1)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{_escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{_color(rate)}" rx="3"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar_height * 0.7:.1f}" fill="#333">{_escape(caption)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _metric_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, label in METRIC_LABELS.items():
        value = metrics.get(key)
        if isinstance(value, dict):
            rows.append({"label": label, "value": f"{value['mean']:.3f}", "n": value["n"]})
    for key, value in metrics.items():
        if key not in METRIC_LABELS and key != "latency_ms" and isinstance(value, dict) and "mean" in value:
            rows.append({"label": key, "value": f"{value['mean']:.3f}", "n": value["n"]})
    return rows


def render_report(result: RunResult) -> str:
    """Return the report as one HTML string."""
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(TEMPLATE)
    criteria_chart = bar_chart(
        [(f"{c.label}", c.pass_rate, f"{c.pass_rate:.0%}（{c.passed}/{c.total}）") for c in result.criteria]
    )
    suite_chart = bar_chart(
        [(s.name, s.pass_rate, f"{s.pass_rate:.0%}（{s.passed}/{s.total}）") for s in result.suites]
    )
    failing = [c for c in result.cases if not c.passed]
    return template.render(
        r=result,
        meta=result.meta,
        criteria_chart=criteria_chart,
        suite_chart=suite_chart,
        metric_rows=_metric_rows(result.metrics),
        latency=result.metrics.get("latency_ms"),
        failing=failing,
        total=len(result.cases),
        passed=sum(c.passed for c in result.cases),
        check_labels=CHECK_LABELS,
        kind_labels=KIND_LABELS,
        mode_labels=MODE_LABELS,
        criterion_labels={c.criterion: c.label for c in result.criteria},
    )


def write_report(result: RunResult, out_dir: Path) -> Path:
    """Write report.html into `out_dir` and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_FILE
    path.write_text(render_report(result), encoding="utf-8")
    return path
