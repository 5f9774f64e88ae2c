"""Age judgments: 満年齢 (attained the day before the birthday), 年度, クラス年齢, school entry."""

from datetime import date

import pytest

from kodomo_ai.errors import InputError
from kodomo_ai.rules import ages


@pytest.mark.parametrize(
    ("birth", "years", "expected"),
    [
        (date(2021, 5, 10), 3, date(2024, 5, 9)),
        (date(2021, 4, 1), 3, date(2024, 3, 31)),
        (date(2020, 2, 29), 3, date(2023, 2, 28)),  # no 29 Feb: the period ends on the last day of February
        (date(2020, 2, 29), 4, date(2024, 2, 28)),
        (date(2020, 3, 1), 1, date(2021, 2, 28)),
    ],
)
def test_attain_date_is_the_day_before_the_birthday(birth: date, years: int, expected: date) -> None:
    assert ages.attain_date(birth, years) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2024, 5, 8), 2),  # two days before the 3rd birthday
        (date(2024, 5, 9), 3),  # the day before the birthday: 3 in law
        (date(2024, 5, 10), 3),
        (date(2021, 5, 10), 0),
    ],
)
def test_age_on_around_a_birthday(on: date, expected: int) -> None:
    assert ages.age_on(date(2021, 5, 10), on) == expected


def test_age_before_birth_names_the_field() -> None:
    with pytest.raises(InputError) as info:
        ages.age_on(date(2025, 1, 1), date(2024, 1, 1), field="child_birth_date")
    assert info.value.field == "child_birth_date"


@pytest.mark.parametrize(
    ("birth", "school", "free_from"),
    [
        (date(2018, 4, 1), date(2024, 4, 1), date(2021, 4, 1)),  # 1 April: the earlier school year
        (date(2018, 4, 2), date(2025, 4, 1), date(2022, 4, 1)),
        (date(2018, 3, 31), date(2024, 4, 1), date(2021, 4, 1)),
        (date(2018, 12, 10), date(2025, 4, 1), date(2022, 4, 1)),
    ],
)
def test_school_entry_and_free_preschool_start(birth: date, school: date, free_from: date) -> None:
    assert ages.school_entry_date(birth) == school
    assert ages.free_preschool_start(birth) == free_from


@pytest.mark.parametrize(
    ("birth", "fiscal_year", "expected"),
    [
        (date(2021, 4, 1), 2024, 3),
        (date(2021, 4, 2), 2024, 2),
        (date(2024, 3, 31), 2024, 0),
        (date(2024, 6, 1), 2024, 0),  # born during the year: 0歳児クラス
    ],
)
def test_class_age(birth: date, fiscal_year: int, expected: int) -> None:
    assert ages.class_age(birth, fiscal_year) == expected


@pytest.mark.parametrize(
    ("birth", "years", "expected"),
    [
        (date(2008, 4, 1), 18, date(2026, 3, 31)),
        (date(2008, 4, 2), 18, date(2027, 3, 31)),
        (date(2004, 10, 5), 22, date(2027, 3, 31)),
    ],
)
def test_end_of_fiscal_year_after_attaining(birth: date, years: int, expected: date) -> None:
    assert ages.fiscal_year_end_after_attaining(birth, years) == expected


def test_fiscal_year_and_months() -> None:
    assert ages.fiscal_year_of(date(2026, 3, 31)) == 2025
    assert ages.fiscal_year_of(date(2026, 4, 1)) == 2026
    assert ages.add_months(date(2026, 11, 26), 2) == date(2027, 1, 1)
    assert ages.add_months(date(2026, 1, 5), -2) == date(2025, 11, 1)
    assert ages.wareki(date(2024, 10, 1)) == "2024年（令和6年）10月1日"
    assert ages.wareki(date(2019, 5, 1)) == "2019年（令和元年）5月1日"
