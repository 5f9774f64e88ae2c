"""和暦 dates for notices: 令和8年4月1日（水）, and rewriting 西暦 dates found in quoted sentences."""

from __future__ import annotations

import re
from datetime import date

from kodomo_ai.errors import InputError
from kodomo_ai.text.eras import western_year

WEEKDAYS = "月火水木金土日"
_ERAS = (
    (date(2019, 5, 1), "令和", 2018),
    (date(1989, 1, 8), "平成", 1988),
    (date(1926, 12, 25), "昭和", 1925),
)
# 2026年（令和8年）10月1日（木） or 2026年10月1日（木）: the 西暦 forms used in the corpus.
_SEIREKI = re.compile(
    r"(?P<y>(?:19|20)\d{2})年(?:[（(](?:令和|平成)(?:元|\d{1,2})年[）)])?(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?"
)


def era_year(day: date) -> str:
    """Return the era and year of `day`, e.g. 令和8年 (令和元年 for 2019)."""
    for start, era, offset in _ERAS:
        if day >= start:
            year = day.year - offset
            return f"{era}{'元' if year == 1 else year}年"
    return f"{day.year}年"


def wareki_date(day: date, *, weekday: bool = True) -> str:
    """Return `day` as 令和8年4月1日（水）, or without the weekday."""
    text = f"{era_year(day)}{day.month}月{day.day}日"
    return f"{text}（{WEEKDAYS[day.weekday()]}）" if weekday else text


def parse_date(value: object, field: str) -> date:
    """Read a YYYY-MM-DD value of a field, or raise InputError naming the field."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(field, f"日付は YYYY-MM-DD の形で指定してください（指定値: {value!r}）") from None


def to_wareki_text(text: str) -> str:
    """Rewrite 西暦 dates of a sentence as 和暦 (2026年（令和8年）10月1日 → 令和8年10月1日)."""

    def repl(match: re.Match[str]) -> str:
        year, month = int(match.group("y")), int(match.group("m"))
        if not 1 <= month <= 12:
            return match.group(0)
        first = date(year, month, 1)
        era = era_year(first if match.group("d") is None else date(year, month, int(match.group("d"))))
        day = f"{int(match.group('d'))}日" if match.group("d") else ""
        return f"{era}{month}月{day}"

    return _SEIREKI.sub(repl, text)


_FULL_WAREKI = re.compile(
    r"(?P<era>令和|平成|昭和)(?P<y>元|\d{1,2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?![（(][月火水木金土日])"
)


def with_weekdays(text: str) -> str:
    """Add the weekday to full 和暦 dates that lack one (公用文: 令和10年3月31日 → 令和10年3月31日（金）)."""

    def repl(match: re.Match[str]) -> str:
        try:
            day = date(
                western_year(match.group("era"), match.group("y")),
                int(match.group("m")),
                int(match.group("d")),
            )
        except ValueError:  # not a real date: leave it as written
            return match.group(0)
        return f"{match.group(0)}（{WEEKDAYS[day.weekday()]}）"

    return _FULL_WAREKI.sub(repl, text)


def era_facts(text: str) -> str:
    """Conversion facts (2026年は令和8年) for the 西暦 years in `text`, as grounding evidence."""
    years = sorted({int(m.group("y")) for m in _SEIREKI.finditer(text)})
    return "\n".join(f"{y}年は{era_year(date(y, 12, 31))}" for y in years)
