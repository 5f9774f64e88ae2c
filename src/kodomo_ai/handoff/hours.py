"""The office that reads hand-off cases: its hours, closed days, and when someone will next read a case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import jpholiday
import yaml

TOKYO = ZoneInfo("Asia/Tokyo")
_OFFICES = Path(__file__).with_name("offices.yaml")
WEEKDAY_NAMES = "月火水木金土日"


def _clock(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


@dataclass(frozen=True)
class Office:
    """Who reads the cases, when, and how a parent reaches them otherwise."""

    name: str
    opens: dt.time
    closes: dt.time
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    closes_on: dict[int, dt.time] = field(default_factory=dict)
    closed_dates: tuple[str, ...] = ()  # "MM-DD" every year (年末年始)
    reach: tuple[str, ...] = ()

    def is_working_day(self, day: dt.date) -> bool:
        """A weekday of the office that is neither a public holiday nor a closed date."""
        return (
            day.weekday() in self.weekdays
            and not jpholiday.is_holiday(day)
            and f"{day:%m-%d}" not in self.closed_dates
        )

    def closing(self, day: dt.date) -> dt.time:
        """When the office closes on `day`."""
        return self.closes_on.get(day.weekday(), self.closes)

    def is_open(self, moment: dt.datetime) -> bool:
        """True when someone is at the office at `moment`."""
        local = moment.astimezone(TOKYO)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closing(local.date())

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """The next time the office opens after `moment` (local time); `moment` itself when open."""
        local = moment.astimezone(TOKYO)
        if self.is_open(local):
            return local
        day = local.date()
        if self.is_working_day(day) and local.time() < self.opens:
            return dt.datetime.combine(day, self.opens, TOKYO)
        for _ in range(30):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                return dt.datetime.combine(day, self.opens, TOKYO)
        raise ValueError("office never opens")

    def hours_text(self) -> str:
        """The hours in Japanese (平日 8時30分〜17時15分（水曜日は19時00分まで）、土日祝・年末年始を除く)."""
        days = (
            "平日" if self.weekdays == (0, 1, 2, 3, 4) else "・".join(WEEKDAY_NAMES[d] for d in self.weekdays)
        )
        text = f"{days} {_jp_time(self.opens)}〜{_jp_time(self.closes)}"
        for weekday, until in sorted(self.closes_on.items()):
            text += f"（{WEEKDAY_NAMES[weekday]}曜日は{_jp_time(until)}まで）"
        return text + "、土日祝" + ("・年末年始" if self.closed_dates else "") + "を除く"


def _jp_time(moment: dt.time) -> str:
    return f"{moment.hour}時{moment.minute:02d}分" if moment.minute else f"{moment.hour}時"


def when_text(moment: dt.datetime) -> str:
    """A local time as parents read it: 12月7日（月）8時30分."""
    local = moment.astimezone(TOKYO)
    return f"{local.month}月{local.day}日（{WEEKDAY_NAMES[local.weekday()]}）{_jp_time(local.time())}"


@lru_cache(maxsize=8)
def load_office(municipality: str | None) -> Office:
    """The hand-off office of a municipality (offices.yaml), or the generic window."""
    data = yaml.safe_load(_OFFICES.read_text(encoding="utf-8"))
    entry = data.get(municipality or "default") or data["default"]
    return Office(
        name=entry["name"], opens=_clock(entry["opens"]), closes=_clock(entry["closes"]),
        weekdays=tuple(entry.get("weekdays", (0, 1, 2, 3, 4))),
        closes_on={int(k): _clock(v) for k, v in (entry.get("closes_on") or {}).items()},
        closed_dates=tuple(entry.get("closed_dates", ())), reach=tuple(entry.get("reach", ())),
    )  # fmt: skip
