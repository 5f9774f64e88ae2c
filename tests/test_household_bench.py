"""bench/households.py scores a set: children as bands compared oldest first, in the key spellings sets use."""

import importlib.util
from pathlib import Path
from types import ModuleType

import yaml

BENCH = Path(__file__).resolve().parent.parent / "bench" / "households.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_households", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scores_items_in_any_key_spelling(tmp_path: Path) -> None:
    items = [
        {
            "id": "a",
            "text": "5歳と2歳",
            "reference_date": "2026-12-04",
            "children": [{"age": 2}, {"min_age": 5}],
        },
        {
            "id": "b",
            "text": "小1。週3日、1日5時間",
            "reference_date": "2026-12-04",
            "children": [[6, 7]],
            "parents": {"hours_per_month": 65},
        },
        {
            "id": "c",
            "text": "中3",
            "reference_date": "2026-12-04",
            "children": [{"age_min": 14, "age_max": 14}],
        },
    ]
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    report = load_bench().run(path)
    assert (report["children_right"], report["parents_right"]) == (2, 3)
    assert [f["id"] for f in report["failures"]] == ["c"]  # 中3 is 14 or 15 in December
