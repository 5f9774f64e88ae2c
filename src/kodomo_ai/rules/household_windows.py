"""Birth windows: the birth dates a child can have for an age or a school cohort, and the age range they give.

満年齢: an age is reached on the day before the birthday (年齢計算ニ関スル法律). A cohort is named by its
クラス年齢 N, the age reached by 1 April of the school year; in the school year starting April Y it was born
between 2 April Y-N-1 and 1 April Y-N (学校教育法17条: 小学校 starts on the first 1 April after reaching 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kodomo_ai.rules import ages


@dataclass(frozen=True)
class ChildReading:
    """One child: the window of birth dates, the age range on the reference date and the words it came from."""

    age_min: int
    age_max: int
    basis: str
    born_from: date
    born_to: date
    assumption: str = ""
    supported: bool = True  # False for a child who earns a living (社会人), not counted by 児童手当
    class_age: int | None = None  # the クラス年齢 when a single class or school year was named

    def as_dict(self) -> dict[str, Any]:
        """Return the benchmark form {age_min, age_max, basis}."""
        return {"age_min": self.age_min, "age_max": self.age_max, "basis": self.basis}


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return date(day.year + years, 3, 1)


def window_for_age(age: int, on: date) -> tuple[date, date]:
    """Return the earliest and latest birth dates of a child who is `age` full years old on `on`."""
    latest = min(_shift_years(on, -age) + timedelta(days=1), on)
    while ages.age_on(latest, on) < age:
        latest -= timedelta(days=1)
    while latest + timedelta(days=1) <= on and ages.age_on(latest + timedelta(days=1), on) >= age:
        latest += timedelta(days=1)
    earliest = _shift_years(on, -(age + 1)) + timedelta(days=1)
    while ages.age_on(earliest, on) > age:
        earliest += timedelta(days=1)
    while ages.age_on(earliest - timedelta(days=1), on) == age:
        earliest -= timedelta(days=1)
    return earliest, latest


def window_for_cohort(class_age: int, on: date) -> tuple[date, date]:
    """Return the birth window of the cohort with クラス年齢 `class_age` in the school year of `on`."""
    year = ages.fiscal_year_of(on)
    return date(year - class_age - 1, 4, 2), date(year - class_age, 4, 1)


def age_range(born_from: date, born_to: date, on: date) -> tuple[int, int]:
    """Return (youngest, oldest) full years on `on` for births between `born_from` and `born_to`."""
    latest = min(born_to, on)
    return ages.age_on(latest, on), ages.age_on(min(born_from, latest), on)


COHORT_NAMES = {0: "0歳児クラス", 1: "1歳児クラス", 2: "2歳児クラス", 3: "年少", 4: "年中", 5: "年長"}


def cohort_label(class_age: int) -> str:
    """Return the everyday name of a cohort: 年少, 小学1年生, 高校3年生, 大学2年生 …"""
    if class_age <= 5:
        return COHORT_NAMES[class_age]
    if class_age <= 11:
        return f"小学{class_age - 5}年生"
    if class_age <= 14:
        return f"中学{class_age - 11}年生"
    if class_age <= 17:
        return f"高校{class_age - 14}年生"
    return f"大学{class_age - 17}年生"
