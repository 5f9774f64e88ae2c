"""Household reader, parents: working time as hours a month, 非課税, ひとり親 and 育休 as people state them.

Work: 週d日・1日h時間 is d×h hours a week; a month is weekly hours × 52 / 12, rounded half up to whole
hours (週3日×1日5時間 = 15 × 52 / 12 = 65). Per-month figures (月80時間, 月20日×1日6時間) are taken as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

WEEKS_PER_YEAR = 52
MONTHS_PER_YEAR = 12


def monthly_hours_from_week(hours_per_week: float) -> int:
    """Return hours a month for hours a week: × 52 / 12, rounded half up (the reader's stated rule)."""
    value = Decimal(str(hours_per_week)) * WEEKS_PER_YEAR / MONTHS_PER_YEAR
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class WorkReading:
    """One parent's working time as stated, and as hours a month."""

    hours_per_month: int
    basis: str
    days_per_week: float | None = None
    hours_per_day: float | None = None


@dataclass
class ParentsReading:
    """What the text says about the parents (None: not stated)."""

    work: list[WorkReading] = field(default_factory=list)
    tax_exempt: bool | None = None
    single_parent: bool | None = None
    on_leave: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return only the stated keys: hours_per_month, tax_exempt, single_parent, on_leave."""
        out: dict[str, Any] = {}
        if self.work:
            out["hours_per_month"] = [w.hours_per_month for w in self.work]
        for key in ("tax_exempt", "single_parent", "on_leave"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


_NUM = r"(\d+(?:\.\d+)?)"
_ABOUT = r"(?:約|およそ|だいたい|大体|ほぼ)?"
_AROUND = r"(?:くらい|ぐらい|程度|ほど|前後)?"
_SEP = r"(?:、|,|で|に|の|を|x|×|\*|・|/)?"
_WORK_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            # 週3で1日4時間: a bare day count stands before で (週30時間 is hours, not 3 days of 0 hours).
            rf"週(?:に)?{_ABOUT}{_NUM}(?:日|回|(?=で)){_AROUND}{_SEP}(?:1日|一日|毎日|各日)?(?:に)?{_ABOUT}{_NUM}時間"
        ),
        "wd_h",
    ),
    (
        re.compile(rf"(?:1日|一日){_ABOUT}{_NUM}時間{_AROUND}(?:ずつ|を)?{_SEP}週{_ABOUT}{_NUM}(?:日|回)"),
        "h_wd",
    ),
    (re.compile(rf"(\d{{1,2}})時(?:から|~|-)(\d{{1,2}})時(?:まで)?{_SEP}週{_NUM}(?:日|回)"), "span_wd"),
    (re.compile(rf"週{_NUM}(?:日|回){_SEP}(\d{{1,2}})時(?:から|~|-)(\d{{1,2}})時"), "wd_span"),
    (re.compile(rf"月(?:に)?{_ABOUT}{_NUM}日{_AROUND}{_SEP}(?:1日|一日)?{_ABOUT}{_NUM}時間"), "md_h"),
    (re.compile(rf"(?:1日|一日){_ABOUT}{_NUM}時間{_AROUND}(?:ずつ|を)?{_SEP}月{_ABOUT}{_NUM}日"), "h_md"),
    (re.compile(rf"週(?:に)?{_ABOUT}{_NUM}時間"), "wh"),
    (re.compile(rf"月(?:に|間)?{_ABOUT}{_NUM}時間"), "mh"),
]
_BOTH = re.compile(r"夫婦(?:とも|共に|ともに|そろって)|(?:2人|両親|両方|ふたり)とも|どちらも")
# One parent: said by name (ひとり親, 母子家庭, シングルマザー), by what happened (離婚, 死別), or by who the
# parents are (親は父だけ, 夫はいない, 私ひとりで育てて). Kinship and family-status vocabulary.
_SINGLE = re.compile(
    r"ひとり親|1人親|シングル(?:マザー|ファー?ザー|マム|家庭|世帯)|シンママ|シンパパ|(?:母子|父子)(?:家庭|世帯)|離婚|離別|死別"
    r"|未婚の(?:母|父|ママ|パパ)|(?:保護者|親)(?:は|が)(?:母|父)(?:親)?(?:のみ|だけ|1人|ひとり)"
    r"|シングル(?:で|として)(?:子育て|育て)|(?:私|母|父|母親|父親)?(?:1人|ひとり)で(?:子育て|育て|子ども(?:を|たちを)?育て|子供を育て|養っ)"
    r"|(?:夫|妻|旦那|主人|父親|母親|パートナー|配偶者)(?:は|が)?(?:いない|いません|おらず|おりません|なし)"
)
_NOT_SINGLE = re.compile(
    r"(?:ひとり親|シングル(?:マザー|ファー?ザー)|(?:母子|父子)(?:家庭|世帯))(?:では|じゃ)(?:ない|ありません|なく)|単身赴任"
)
_EXEMPT = re.compile(r"(?:住民税)?非課税")
_TAXED = re.compile(r"(?<!非)課税(?:世帯|されて|されている|です)|住民税(?:は|を)?(?:払って|かかって|納めて)")
_NOT_ON_LEAVE = re.compile(
    r"育休(?:中)?(?:では|じゃ)(?:ない|ありません|なく)|育休は(?:取って|とって|取得して)(?:い)?(?:ない|ません)"
)
_ON_LEAVE = re.compile(
    r"育休(?:中|を取って|をとって|取得中|期間中|を取っている|をとっている|に入って|しています|してます)|"
    r"育児休(?:業|暇)(?:中|を取得|を取って|をとって)"
)


def _work(text: str) -> list[tuple[int, WorkReading]]:
    found: list[tuple[int, int, WorkReading]] = []
    taken: list[tuple[int, int]] = []
    for pattern, kind in _WORK_PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            reading = _work_reading(kind, m)
            if reading is None:
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.end(), reading))
    found.sort(key=lambda item: item[0])
    return [(start, reading) for start, _, reading in found]


def _work_reading(kind: str, m: re.Match[str]) -> WorkReading | None:
    basis = m.group(0)
    if kind in ("wd_h", "h_wd", "span_wd", "wd_span"):
        if kind == "wd_h":
            days, per_day = float(m.group(1)), float(m.group(2))
        elif kind == "h_wd":
            per_day, days = float(m.group(1)), float(m.group(2))
        elif kind == "span_wd":
            per_day, days = float(int(m.group(2)) - int(m.group(1))), float(m.group(3))
        else:
            days, per_day = float(m.group(1)), float(int(m.group(3)) - int(m.group(2)))
        if not (0 < days <= 7 and 0 < per_day <= 24):
            return None
        return WorkReading(monthly_hours_from_week(days * per_day), basis, days, per_day)
    if kind in ("md_h", "h_md"):
        days, per_day = (
            (float(m.group(1)), float(m.group(2)))
            if kind == "md_h"
            else (float(m.group(2)), float(m.group(1)))
        )
        if not (0 < days <= 31 and 0 < per_day <= 24):
            return None
        return WorkReading(
            int(Decimal(str(days * per_day)).quantize(Decimal(1), rounding=ROUND_HALF_UP)), basis
        )
    value = float(m.group(1))
    if kind == "wh":
        return WorkReading(monthly_hours_from_week(value), basis) if 0 < value <= 100 else None
    return (
        WorkReading(int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)), basis)
        if 0 < value <= 400
        else None
    )


def read_parents(text: str) -> ParentsReading:
    """Read the parents' working time, 非課税, ひとり親 and 育休 from a normalised description."""
    parents = ParentsReading()
    work = _work(text)
    readings = [reading for _, reading in work]
    if len(readings) == 1 and _BOTH.search(text):
        readings = readings * 2
    parents.work = readings[:2]
    if _EXEMPT.search(text):
        parents.tax_exempt = True
    elif _TAXED.search(text):
        parents.tax_exempt = False
    if _SINGLE.search(text):
        parents.single_parent = not _NOT_SINGLE.search(text)
    if _NOT_ON_LEAVE.search(text):
        parents.on_leave = False
    elif _ON_LEAVE.search(text):
        parents.on_leave = True
    return parents
