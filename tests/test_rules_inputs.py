"""Strict calculator inputs: no "yes" → true or "120" → 120 coercion, and unknown keys named with a hint."""

from typing import Any

import pytest

from kodomo_ai.errors import InputError
from kodomo_ai.rules.allocation_csv import CsvRowsError, read_applicants_csv
from kodomo_ai.rules.certification import certify
from kodomo_ai.rules.child_allowance import calculate_child_allowance
from kodomo_ai.rules.free_childcare import assess_free_childcare

PARENTS = [{"reason": "work", "hours_per_month": 160}, {"reason": "work", "hours_per_month": 160}]


@pytest.mark.parametrize(
    ("run", "data", "field"),
    [
        # Issue #15 audit: a typo such as "yes" flipped a household to 非課税 and the fee to free.
        (assess_free_childcare, {"as_of": "2026-06-01", "facility_type": "nursery", "age": 1, "resident_tax_exempt": "yes"}, "resident_tax_exempt"),
        (assess_free_childcare, {"as_of": "2026-06-01", "facility_type": "nursery", "age": "4"}, "age"),
        (certify, {"child_birth_date": "2024-06-15", "reference_date": "2026-12-04", "parents": [{"reason": "work", "hours_per_month": "120"}, PARENTS[1]]}, "parents[0].hours_per_month"),
        (calculate_child_allowance, {"as_of": "2026-12-04", "children": [{"age": 5, "supported": "true"}]}, "children[0].supported"),
        (calculate_child_allowance, {"as_of": 1700000000, "children": [{"age": 5}]}, "as_of"),
    ],
)  # fmt: skip
def test_no_coercion(run: Any, data: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as info:
        run(data)
    assert info.value.field == field


def test_numbers_and_iso_dates_still_work() -> None:
    result = certify({"child_birth_date": "2024-06-15", "reference_date": "2026-12-04", "parents": PARENTS})
    assert result.certification == "3号"
    assert calculate_child_allowance({"as_of": "2026-12-04", "children": [{"age": 5}]}).monthly_total == 10000


@pytest.mark.parametrize(
    ("run", "data", "field", "hint"),
    [
        (calculate_child_allowance, {"as_of": "2026-12-04", "childen": [{"age": 5}]}, "childen", "childen → children?"),
        (calculate_child_allowance, {"as_of": "2026-12-04", "children": [{"agee": 5}]}, "children[0].agee", "agee → age?"),
        (certify, {"child_birth_date": "2024-06-15", "reference_date": "2026-12-04", "parents": PARENTS, "municipalty": "midori"}, "municipalty", "municipalty → municipality?"),
    ],
)  # fmt: skip
def test_unknown_key_names_it_and_suggests_the_close_match(
    run: Any, data: dict, field: str, hint: str
) -> None:
    with pytest.raises(InputError) as info:
        run(data)
    assert info.value.field == field
    assert hint in info.value.reason


def test_csv_accepts_only_true_or_false_and_exact_numbers() -> None:
    header = "id,class_age,choices,parent1_reason,parent1_hours,parent2_reason,parent2_hours,separate_ok\n"
    good = read_applicants_csv(header + "a,1,A,work,120,work,80.5,false\n", {"A"})
    assert good[0].household.parents[1].hours_per_month == 80.5 and good[0].separate_ok is False
    with pytest.raises(CsvRowsError) as info:
        read_applicants_csv(header + "a,1,A,work,12O,work,80,yes\n", {"A"})
    assert {(p.row, p.field) for p in info.value.problems} == {(2, "parent1_hours"), (2, "separate_ok")}
    with pytest.raises(CsvRowsError) as info:
        read_applicants_csv("id,choise,parent1_reason,parent2_reason\n", {"A"})
    assert any("choise → choices?" in p.reason for p in info.value.problems)
