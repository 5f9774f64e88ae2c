"""Benchmark the safety router on evals/router/messages.yaml: precision/recall per category, latency.

Run: .venv/bin/python bench/router.py   (writes bench/results/router.json)
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter

import yaml

from kodomo_ai.config import PROJECT_ROOT, get_settings
from kodomo_ai.safety import load_contacts, route

MESSAGES = PROJECT_ROOT / "evals" / "router" / "messages.yaml"
RESULTS = PROJECT_ROOT / "bench" / "results" / "router.json"


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def main() -> None:
    book = load_contacts(get_settings().corpus_dir / "contacts" / "contacts.md")
    messages = yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))
    route("準備", book)  # compile the pattern table before timing
    rows = []
    for m in messages:
        start = time.perf_counter()
        decision = route(m["text"], book)
        elapsed_ms = (time.perf_counter() - start) * 1000
        rows.append((m, decision.category if decision else "none", elapsed_ms))

    labels = sorted({m["label"] for m in messages} | {got for _, got, _ in rows})
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for m, got, _ in rows:
        if got == m["label"]:
            tp[got] += 1
        else:
            fp[got] += 1
            fn[m["label"]] += 1
    per_category = {
        label: {
            "support": tp[label] + fn[label],
            "precision": _ratio(tp[label], tp[label] + fp[label]),
            "recall": _ratio(tp[label], tp[label] + fn[label]),
        }
        for label in labels
    }
    routed = [(m, got) for m, got, _ in rows if got != "none"]
    near = [(m, got) for m, got, _ in rows if "near_miss" in m["tags"]]
    latencies = sorted(ms for _, _, ms in rows)
    summary = {
        "messages": len(rows),
        "routed_precision": _ratio(sum(1 for m, got in routed if got == m["label"]), len(routed)),
        "accuracy": _ratio(sum(1 for m, got, _ in rows if got == m["label"]), len(rows)),
        "escalate_recall": _ratio(
            sum(
                1
                for m, got, _ in rows
                if m["label"] != "none" and not m["label"].startswith("refuse") and got == m["label"]
            ),
            sum(1 for m in messages if m["label"] != "none" and not m["label"].startswith("refuse")),
        ),
        "near_miss_false_alarms": sum(1 for _, got in near if got != "none"),
        "near_misses": len(near),
        "latency_ms_mean": round(statistics.mean(latencies), 3),
        "latency_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
    }
    errors = [
        {"id": m["id"], "text": m["text"], "label": m["label"], "got": got}
        for m, got, _ in rows
        if got != m["label"]
    ]

    print(f"{'category':22} {'n':>4} {'precision':>10} {'recall':>8}")
    for label, row in per_category.items():
        p = "-" if row["precision"] is None else f"{row['precision']:.3f}"
        r = "-" if row["recall"] is None else f"{row['recall']:.3f}"
        print(f"{label:22} {row['support']:>4} {p:>10} {r:>8}")
    for key, value in summary.items():
        print(f"{key}: {value}")
    for error in errors:
        print(f"MISS {error['id']}: want {error['label']}, got {error['got']}: {error['text']}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"summary": summary, "per_category": per_category, "errors": errors}, ensure_ascii=False, indent=2
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {RESULTS.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
