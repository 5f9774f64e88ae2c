"""Age judgments as the rules make them: 満年齢, 年度, クラス年齢 and the dates that follow from them.

Japanese law (年齢計算ニ関スル法律 with 民法 第143条) counts age from the day of birth, so a person
*attains* an age at the end of the day before the birthday. The rules use that date:
- 満3歳に達する日 is the day before the 3rd birthday; a child born on 29 February attains an age on
  28 February in every year.
- School entry is the first 1 April after the day the child attains 6, so a child born on 1 April
  attains 6 on 31 March and starts school that 1 April, with the children born in the previous year
  (「早生まれ」 runs from 2 April to 1 April).
- 3〜5歳の無償化 starts on the first 1 April after attaining 3; 児童手当 runs to the first 31 March
  on or after attaining 18 (18歳到達後最初の3月31日); siblings count to the one after 22.
- クラス年齢 (age class of a 年度) is the age on 1 April in everyday counting, which equals the legal
  age on the 31 March before it.
"""

from __future__ import annotations

from datetime import date, timedelta

from kodomo_ai.errors import InputError
from kodomo_ai.text.eras import western_with_era


def attain_date(birth: date, years: int) -> date:
    """Return the day a person born on `birth` attains `years` years (the day before the birthday)."""
    try:
        anniversary = birth.replace(year=birth.year + years)
    except ValueError:
        # Born on 29 February: no such day this year, so the period ends on the last day of February.
        return date(birth.year + years, 2, 28)
    return anniversary - timedelta(days=1)


def age_on(birth: date, on: date, *, field: str = "birth_date") -> int:
    """Return the 満年齢 on `on`; InputError(field) if `on` is before the birth."""
    if on < birth:
        raise InputError(field, f"生年月日 {birth.isoformat()} が基準日 {on.isoformat()} より後です")
    years = on.year - birth.year
    if attain_date(birth, years) > on:
        years -= 1
    return years


def fiscal_year_of(day: date) -> int:
    """Return the 年度 (April to March) that `day` falls in, as the calendar year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_end(day: date) -> date:
    """Return the 31 March that ends the 年度 of `day`."""
    return date(fiscal_year_of(day) + 1, 3, 31)


def class_age(birth: date, fiscal_year: int) -> int:
    """Return the クラス年齢 (0歳児クラス … 5歳児クラス) of the 年度 starting 1 April `fiscal_year`."""
    day_before = date(fiscal_year, 3, 31)
    if day_before < birth:
        return 0
    return age_on(birth, day_before)


def first_april_after_attaining(birth: date, years: int) -> date:
    """Return the first 1 April after the day the child attains `years` (満n歳に達した日の翌日以後)."""
    attained = attain_date(birth, years)
    candidate = date(attained.year, 4, 1)
    return candidate if candidate > attained else date(attained.year + 1, 4, 1)


def fiscal_year_end_after_attaining(birth: date, years: int) -> date:
    """Return the first 31 March on or after attaining `years` (n歳到達後最初の3月31日)."""
    return fiscal_year_end(attain_date(birth, years))


def school_entry_date(birth: date) -> date:
    """Return the day the child starts 小学校 (the first 1 April after attaining 6)."""
    return first_april_after_attaining(birth, 6)


def free_preschool_start(birth: date) -> date:
    """Return the day 3〜5歳の無償化 starts (the first 1 April after attaining 3)."""
    return first_april_after_attaining(birth, 3)


def month_start(day: date) -> date:
    """Return the first day of the month of `day`."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """Return the first day of the month `months` after the month of `day`."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def wareki(day: date) -> str:
    """Return `day` as 西暦 with the era name, e.g. 2026年（令和8年）4月1日."""
    return western_with_era(day)


def jp_date(day: date) -> str:
    """Return `day` as 2026年4月1日."""
    return f"{day.year}年{day.month}月{day.day}日"
