"""Japanese eras (和暦): 令和・平成・昭和 years ⇄ western years, and reading dates such as 令和6年4月1日 or R6.4.1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Era:
    """One era: its name, its first day and the offset from an era year to the western year."""

    name: str
    letter: str
    start: date
    offset: int


ERAS = (
    Era("令和", "R", date(2019, 5, 1), 2018),
    Era("平成", "H", date(1989, 1, 8), 1988),
    Era("昭和", "S", date(1926, 12, 25), 1925),
)
_BY_NAME = {era.name: era for era in ERAS} | {era.letter: era for era in ERAS}
ERA_NAMES = "|".join(era.name for era in ERAS)
ERA_LETTERS = "".join(era.letter for era in ERAS)


def era_of(day: date) -> Era | None:
    """Return the era `day` falls in (None before 昭和)."""
    return next((era for era in ERAS if day >= era.start), None)


def era_year(day: date) -> str:
    """Return the era and year of `day`, e.g. 令和8年 (令和元年 for 2019)."""
    era = era_of(day)
    if era is None:
        return f"{day.year}年"
    year = day.year - era.offset
    return f"{era.name}{'元' if year == 1 else year}年"


def western_year(era: str, year: int | str) -> int:
    """Return the western year of an era year: ("令和", 6) → 2024; 元 is year 1; R/H/S stand for the eras."""
    number = 1 if year == "元" else int(year)
    if era not in _BY_NAME:
        raise ValueError(f"unknown era: {era!r}")
    return _BY_NAME[era].offset + number


def western_with_era(day: date) -> str:
    """Return `day` as 西暦 with the era in brackets, e.g. 2026年（令和8年）4月1日 (西暦 only before 平成)."""
    era = era_of(day)
    if era is None or era.name == "昭和":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.year}年（{era_year(day)}）{day.month}月{day.day}日"


# 令和6年4月1日, 令和元年5月, 平成30年, R6.4.1, H30/4/1, R6年4月1日 (after NFKC normalisation).
WAREKI_DATE = re.compile(
    rf"(?P<era>{ERA_NAMES}|[{ERA_LETTERS}])(?P<year>元|\d{{1,2}})(?:年|[./])"
    r"(?:(?P<month>\d{1,2})(?:月|[./])(?:(?P<day>\d{1,2})日?)?)?"
)


def parse_wareki(text: str) -> tuple[int, int | None, int | None] | None:
    """Read the first 和暦 date in `text` as (western year, month or None, day or None)."""
    match = WAREKI_DATE.search(text)
    if match is None:
        return None
    month = int(match.group("month")) if match.group("month") else None
    day = int(match.group("day")) if match.group("day") else None
    return western_year(match.group("era"), match.group("year")), month, day
