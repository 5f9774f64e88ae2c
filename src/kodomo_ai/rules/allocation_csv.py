"""Read an allocation round from files: applicants from CSV (one a row), facilities from JSON or YAML.

Every row is checked; all problems are reported together with their row number and column.
Columns: id, birth_date | class_age, choices (facility ids separated by ";"), parent1_reason,
parent1_hours, parent1_severity, parent2_reason, parent2_hours, parent2_severity (reason "absent" for
a missing parent), adjustments (keys separated by ";"), income_tax, lottery, sibling_group, separate_ok.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from kodomo_ai.errors import InputError
from kodomo_ai.rules.allocation import AllocationInput, Applicant, Facility
from kodomo_ai.rules.allocation_index import compute_index
from kodomo_ai.rules.inputs import all_input_errors, field_path, input_error, unknown_key_message

REQUIRED_COLUMNS = ("id", "choices", "parent1_reason", "parent2_reason")
KNOWN_COLUMNS = (
    "id",
    "birth_date",
    "class_age",
    "choices",
    "parent1_reason",
    "parent1_hours",
    "parent1_severity",
    "parent2_reason",
    "parent2_hours",
    "parent2_severity",
    "adjustments",
    "income_tax",
    "lottery",
    "sibling_group",
    "separate_ok",
)
_BOOLEANS = {"true": True, "false": False}
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
INT_COLUMNS = ("class_age", "income_tax", "lottery")
FLOAT_COLUMNS = ("parent1_hours", "parent2_hours")


class RowProblem(BaseModel):
    """One problem in the CSV: the line number (header = 1), the column and the reason."""

    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.row}行目: {self.field}: {self.reason}"


class CsvRowsError(InputError):
    """Some CSV rows are malformed; `problems` lists every one."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(
            "csv", f"{len(problems)}件の誤りがあります: " + "; ".join(str(p) for p in problems[:5])
        )
        self.problems = problems


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("、", ";").replace("|", ";").split(";") if part.strip()]


def _column_for(path: str) -> str:
    """Map a model field path such as household.parents[1].hours_per_month to its CSV column."""
    for position in (0, 1):
        prefix = f"household.parents[{position}]"
        if path.startswith(prefix):
            rest = path[len(prefix) :].lstrip(".")
            column = {"reason": "reason", "severity": "severity"}.get(rest, "hours")
            return f"parent{position + 1}_{column}"
        short = f"parents[{position}]"
        if path.startswith(short):
            rest = path[len(short) :].lstrip(".")
            column = {"reason": "reason", "severity": "severity"}.get(rest, "hours")
            return f"parent{position + 1}_{column}"
    if path.startswith(("household.adjustments", "adjustments")):
        return "adjustments"
    if path.startswith(("household.income_tax_amount", "income_tax_amount")):
        return "income_tax"
    if path in ("input", ""):
        return "birth_date"
    return path.split(".")[0].split("[")[0]


def _row_to_dict(row: dict[str, str], line: int, problems: list[RowProblem]) -> dict[str, Any]:
    def value(name: str) -> Any:
        """Return the stripped cell (a number for the number columns), or None when empty."""
        text = (row.get(name) or "").strip()
        if not text:
            return None
        if name in INT_COLUMNS + FLOAT_COLUMNS:
            # Cells are text: convert the number columns here, exactly, so the strict model sees numbers.
            if not _NUMBER.match(text):
                problems.append(RowProblem(row=line, field=name, reason=f"数を指定してください（{text!r}）"))
                return None
            number = float(text)
            return int(number) if name in INT_COLUMNS and number.is_integer() else number
        return text

    def parent(position: int) -> dict[str, Any]:
        """Return one parent's columns as a ParentSituation dict."""
        out: dict[str, Any] = {"reason": value(f"parent{position}_reason")}
        if out["reason"] is None:
            out["reason"] = "absent"  # placeholder so the row's other columns are still checked
            problems.append(
                RowProblem(
                    row=line, field=f"parent{position}_reason", reason="必須です（いない場合は absent）"
                )
            )
        hours = value(f"parent{position}_hours")
        if hours is not None:
            out["hours_per_month"] = hours
        severity = value(f"parent{position}_severity")
        if severity is not None:
            out["severity"] = severity
        return out

    data: dict[str, Any] = {
        "id": value("id"),
        "choices": _split(value("choices") or ""),
        "household": {
            "parents": [parent(1), parent(2)],
            "adjustments": _split(value("adjustments") or ""),
        },
    }
    for column, key in (("birth_date", "birth_date"), ("class_age", "class_age"), ("lottery", "lottery")):
        if value(column) is not None:
            data[key] = value(column)
    if value("income_tax") is not None:
        data["household"]["income_tax_amount"] = value("income_tax")
    if value("sibling_group") is not None:
        data["sibling_group"] = value("sibling_group")
    flag = value("separate_ok")
    if flag is not None:
        if flag.lower() in _BOOLEANS:
            data["separate_ok"] = _BOOLEANS[flag.lower()]
        else:  # no "yes"/"1" guessing: a typo must not flip the result
            problems.append(
                RowProblem(
                    row=line, field="separate_ok", reason=f"true か false を指定してください（{flag!r}）"
                )
            )
    return data


def read_applicants_csv(
    source: str | Path, facility_ids: set[str], municipality: str = "midori"
) -> list[Applicant]:
    """Parse applicants from a CSV file (or text); raise CsvRowsError listing every bad row."""
    text = Path(source).read_text(encoding="utf-8-sig") if isinstance(source, Path) else source
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    problems: list[RowProblem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in KNOWN_COLUMNS]
    if missing or unknown:
        for column in missing:
            problems.append(RowProblem(row=1, field=column, reason="見出し行にこの列がありません"))
        for column in unknown:
            problems.append(
                RowProblem(row=1, field=column, reason=unknown_key_message(column, list(KNOWN_COLUMNS)))
            )
        raise CsvRowsError(problems)
    applicants: list[Applicant] = []
    first_line: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): v for k, v in raw.items()}
        before = len(problems)
        data = _row_to_dict(row, line, problems)
        for choice in data["choices"]:
            if choice not in facility_ids:
                problems.append(
                    RowProblem(row=line, field="choices", reason=f"施設ID「{choice}」がありません")
                )
        try:
            applicant = Applicant.model_validate(data)
        except ValidationError as exc:
            seen = {p.field for p in problems[before:]}
            for error in all_input_errors(exc):
                column = _column_for(error.field)
                if column not in seen:
                    seen.add(column)
                    problems.append(RowProblem(row=line, field=column, reason=error.reason))
            continue
        if applicant.id in first_line:
            problems.append(
                RowProblem(
                    row=line,
                    field="id",
                    reason=f"申込ID「{applicant.id}」は{first_line[applicant.id]}行目と重複しています",
                )
            )
        first_line.setdefault(applicant.id, line)
        try:
            compute_index(applicant.household, municipality, explain=False)
        except InputError as exc:
            problems.append(RowProblem(row=line, field=_column_for(exc.field), reason=exc.reason))
        if len(problems) == before:
            applicants.append(applicant)
    if problems:
        raise CsvRowsError(problems)
    return applicants


def load_facilities(path: Path) -> list[Facility]:
    """Read facilities from a JSON or YAML file: a list, or {"facilities": [...]}."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InputError("facilities", f"{path} を読めません: {exc}") from None
    if isinstance(data, dict):
        data = data.get("facilities")
    if not isinstance(data, list):
        raise InputError("facilities", '施設の一覧（リスト）か {"facilities": [...]} を指定してください')
    facilities = []
    for position, item in enumerate(data):
        try:
            facilities.append(Facility.model_validate(item))
        except ValidationError as exc:
            raise input_error(exc, prefix=f"facilities[{position}]") from None
    return facilities


def allocation_input_from_files(
    csv_path: Path, facilities_path: Path, fiscal_year: int, municipality: str = "midori"
) -> AllocationInput:
    """Build an allocation round from a CSV of applicants and a facilities file."""
    facilities = load_facilities(facilities_path)
    applicants = read_applicants_csv(csv_path, {f.id for f in facilities}, municipality)
    return AllocationInput(
        fiscal_year=fiscal_year, facilities=facilities, applicants=applicants, municipality=municipality
    )


__all__ = [
    "CsvRowsError",
    "RowProblem",
    "allocation_input_from_files",
    "field_path",
    "load_facilities",
    "read_applicants_csv",
]
