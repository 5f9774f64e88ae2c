"""Benchmark the household reader on a set of written descriptions (default evals/dev/households.yaml).

An item's children are right when the count and every child's age band (age_min, age_max, compared oldest
first; min_age/max_age, a single age or a [min, max] pair are read too) match; its parents are right when the stated keys (hours_per_month, tax_exempt, single_parent, on_leave)
match exactly. Prints both shares and the failures, and writes bench/results/households-<set>.json.

    .venv/bin/python bench/households.py [--set evals/dev/households.yaml]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from kodomo_ai.rules.household import read_household

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "evals" / "dev" / "households.yaml"


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _oldest_first(band: tuple[int, int]) -> tuple[int, int]:
    return -band[1], -band[0]


def expected_band(child: Any) -> tuple[int, int]:
    """An expected child as (age_min, age_max): {age_min, age_max}, {min_age, max_age}, {age}, [min, max] or an age."""
    if isinstance(child, dict):
        if "age" in child and "age_min" not in child:
            return int(child["age"]), int(child["age"])
        low = child.get("age_min", child.get("min_age"))
        high = child.get("age_max", child.get("max_age", low))
        if low is None:
            raise ValueError(f"child without an age: {child}")
        return int(low), int(high)
    if isinstance(child, list | tuple):
        return int(child[0]), int(child[-1])
    return int(child), int(child)


def expected_parents(parents: dict[str, Any] | None) -> dict[str, Any]:
    """The expected parents' facts under the reader's key names, one parent's hours as a list of one."""
    out = dict(parents or {})
    # Other names sets used for the same facts: the first held-out set's on_childcare_leave, and v4's non_taxed
    # (the lead's brief to its writer named the key so, not the reader's tax_exempt).
    for theirs, ours in (("on_childcare_leave", "on_leave"), ("non_taxed", "tax_exempt")):
        if theirs in out:
            out[ours] = out.pop(theirs)
    if "hours_per_month" in out and not isinstance(out["hours_per_month"], list):
        out["hours_per_month"] = [out["hours_per_month"]]
    return out


def score_item(item: dict[str, Any]) -> dict[str, Any]:
    """Read one item and compare it with its expected children and parents."""
    reading = read_household(str(item["text"]), _date(item["reference_date"]))
    # Bands are compared oldest first on both sides, so equal windows in another order still match.
    got_children = sorted(((c.age_min, c.age_max) for c in reading.children), key=_oldest_first)
    want_children = sorted((expected_band(c) for c in item.get("children") or []), key=_oldest_first)
    got_parents = reading.parents.as_dict()
    want_parents = expected_parents(item.get("parents"))
    return {
        "id": item["id"],
        "children_ok": got_children == want_children,
        "parents_ok": got_parents == want_parents,
        "text": item["text"],
        "want_children": want_children,
        "got_children": got_children,
        "want_parents": want_parents,
        "got_parents": got_parents,
    }


def run(path: Path) -> dict[str, Any]:
    """Score every item of the set at `path`; return the report."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    scored = [score_item(item) for item in items]
    elapsed = time.perf_counter() - started
    children_ok = sum(s["children_ok"] for s in scored)
    parents_ok = sum(s["parents_ok"] for s in scored)
    return {
        "benchmark": "households",
        "set": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
        "items": len(scored),
        "children_accuracy": round(children_ok / len(scored), 4) if scored else 0.0,
        "parents_accuracy": round(parents_ok / len(scored), 4) if scored else 0.0,
        "children_right": children_ok,
        "parents_right": parents_ok,
        "ms_per_item": round(elapsed * 1000 / max(len(scored), 1), 2),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "failures": [s for s in scored if not (s["children_ok"] and s["parents_ok"])],
    }


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="path", type=Path, default=DEFAULT_SET)
    args = parser.parse_args()
    path = args.path.resolve()
    report = run(path)
    out = ROOT / "bench" / "results" / f"households-{path.stem}-{path.parent.name}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for failure in report["failures"]:
        print(
            f"{failure['id']}: {failure['text']}\n"
            f"  children want {failure['want_children']} got {failure['got_children']}\n"
            f"  parents  want {failure['want_parents']} got {failure['got_parents']}"
        )
    print(
        f"households ({report['set']}, {report['items']} items): children {report['children_accuracy']:.1%} "
        f"({report['children_right']}/{report['items']}), parents {report['parents_accuracy']:.1%} "
        f"({report['parents_right']}/{report['items']}); {report['ms_per_item']} ms/item -> {out}"
    )


if __name__ == "__main__":
    main()
