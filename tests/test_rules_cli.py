"""`kodomo-ai calc …` through click's CliRunner: JSON in and out, CSV allocation, errors exit 2."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kodomo_ai.cli import main

CERT = {
    "child_birth_date": "2024-05-10",
    "reference_date": "2026-04-01",
    "parents": [{"hours_per_month": 80}, {"hours_per_month": 160}],
}


def invoke(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["calc", *args], input=stdin)


def test_certification_from_stdin() -> None:
    result = invoke("certification", stdin=json.dumps(CERT))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["certification"] == "3号" and data["care_need"] == "short"
    assert data["steps"] and data["citations"]


def test_certification_from_file(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(CERT), encoding="utf-8")
    result = invoke("certification", "--input", str(path))
    assert result.exit_code == 0
    assert json.loads(result.output)["municipality"] == "midori"


def test_free_childcare_and_allowance() -> None:
    free = invoke(
        "free-childcare", stdin=json.dumps({"as_of": "2026-11-26", "facility_type": "unlicensed", "age": 4})
    )
    assert free.exit_code == 0 and json.loads(free.output)["monthly_cap"] == 37000
    allowance = invoke(
        "allowance",
        stdin=json.dumps({"as_of": "2026-11-26", "children": [{"age": 15}, {"age": 12}, {"age": 8}]}),
    )
    assert allowance.exit_code == 0 and json.loads(allowance.output)["monthly_total"] == 50000


@pytest.mark.parametrize(
    ("command", "payload", "field"),
    [
        ("certification", {**CERT, "child_birth_date": "2024-02-30"}, "child_birth_date"),
        ("certification", {**CERT, "parents": [{"hours_per_month": -1}]}, "parents[0].hours_per_month"),
        ("free-childcare", {"as_of": "2026-11-26", "facility_type": "daycare", "age": 4}, "facility_type"),
        (
            "allowance",
            {"as_of": "2026-11-26", "children": [{"birth_date": "2030-01-01"}]},
            "children[0].birth_date",
        ),
    ],
)
def test_errors_are_one_line_naming_the_field(command: str, payload: dict, field: str) -> None:
    result = CliRunner().invoke(main, ["calc", command], input=json.dumps(payload))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith(f"入力エラー: {field}: ")


def test_malformed_json_exits_2() -> None:
    result = invoke("allowance", stdin="{not json")
    assert result.exit_code == 2 and "JSON" in result.output


FACILITIES_YAML = """facilities:
  - {id: A, name: さくら保育園, capacity: {1: 1, 2: 1}}
  - {id: B, name: ひまわり保育園, capacity: {1: 1}}
"""
HEADER = "id,class_age,choices,parent1_reason,parent1_hours,parent2_reason,parent2_hours,adjustments\n"


def test_allocation_from_csv(tmp_path: Path) -> None:
    (tmp_path / "fac.yaml").write_text(FACILITIES_YAML, encoding="utf-8")
    (tmp_path / "apps.csv").write_text(
        HEADER + "x,1,A;B,work,160,work,160,\ny,1,A;B,work,160,work,120,\nz,1,A;B,work,80,work,80,\n",
        encoding="utf-8",
    )
    result = invoke(
        "allocation",
        "--csv",
        str(tmp_path / "apps.csv"),
        "--facilities",
        str(tmp_path / "fac.yaml"),
        "--fiscal-year",
        "2027",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    status = {p["applicant_id"]: (p["status"], p["facility_id"]) for p in data["placements"]}
    assert status == {"x": ("placed", "A"), "y": ("placed", "B"), "z": ("waiting", None)}
    assert "第1希望（さくら保育園）は1歳児クラスが定員に達していたため" in data["placements"][1]["reason"]


def test_allocation_csv_lists_every_bad_row(tmp_path: Path) -> None:
    (tmp_path / "fac.yaml").write_text(FACILITIES_YAML, encoding="utf-8")
    (tmp_path / "apps.csv").write_text(
        HEADER + "x,1,A,work,-3,work,160,\ny,9,A,work,160,work,160,\nz,1,Q,work,160,work,160,vip\n",
        encoding="utf-8",
    )
    result = invoke(
        "allocation",
        "--csv",
        str(tmp_path / "apps.csv"),
        "--facilities",
        str(tmp_path / "fac.yaml"),
        "--fiscal-year",
        "2027",
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert any(line.startswith("入力エラー: 2行目: parent1_hours") for line in lines)
    assert any(line.startswith("入力エラー: 3行目: class_age") for line in lines)
    assert any(line.startswith("入力エラー: 4行目: choices") for line in lines)
    assert any(line.startswith("入力エラー: 4行目: adjustments") for line in lines)


def test_allocation_csv_needs_facilities(tmp_path: Path) -> None:
    (tmp_path / "apps.csv").write_text(HEADER, encoding="utf-8")
    result = invoke("allocation", "--csv", str(tmp_path / "apps.csv"))
    assert result.exit_code == 2 and "--facilities" in result.output


def test_allocation_from_json() -> None:
    payload = {
        "fiscal_year": 2027,
        "facilities": [{"id": "A", "capacity": {"1": 1}}],
        "applicants": [
            {
                "id": "x",
                "class_age": 1,
                "choices": ["A"],
                "household": {"parents": [{"hours_per_month": 160}, {"reason": "absent"}]},
            }
        ],
    }
    result = invoke("allocation", stdin=json.dumps(payload))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["placements"][0]["index"] == 23 and data["indexes"] == {}
    explained = json.loads(invoke("allocation", "--explain-indexes", stdin=json.dumps(payload)).output)
    assert explained["indexes"]["x"]["total"] == 23 and explained["indexes"]["x"]["steps"]


def test_build_docs_writes_then_checks(tmp_path: Path) -> None:
    first = invoke("build-docs", "--corpus-dir", str(tmp_path))
    assert first.exit_code == 0 and first.output.count("書き込み") == 3
    assert invoke("build-docs", "--corpus-dir", str(tmp_path), "--check").exit_code == 0
    path = tmp_path / "municipal" / "midori" / "midori-hoikuryo.md"
    path.write_text(path.read_text(encoding="utf-8") + "手で書き足した行\n", encoding="utf-8")
    stale = invoke("build-docs", "--corpus-dir", str(tmp_path), "--check")
    assert stale.exit_code == 1 and "midori-hoikuryo.md" in stale.output
    assert invoke("build-docs", "--corpus-dir", str(tmp_path)).output.count("書き込み") == 1
