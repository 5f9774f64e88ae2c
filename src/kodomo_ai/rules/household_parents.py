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
# 1回4時間: a shift counted by 回 is a working day.
_PER_DAY = r"(?:1日|一日|1回|一回)(?:あたり|当たり|につき)?"
_AT_WORK = r"(?:勤務|出勤|働いて|働き)?"
# Clock times are read as hours (8時半 → 8.5時, 17:15 → 17.25時) before these patterns see them.
_SPAN = r"(\d{1,2}(?:\.\d+)?)時(?:から|~|-)(\d{1,2}(?:\.\d+)?)時(?:まで)?"
_BREAK = rf"(?:\((?:休憩|昼休み|休憩時間){_NUM}時間\))?"
_WORK_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            # 週3で1日4時間, 週3×5時間: a bare day count stands before で or a times sign (週30時間 is hours).
            rf"週(?:に)?{_ABOUT}{_NUM}(?:日|回|(?=で|の\d|x|×|\*)){_AROUND}{_AT_WORK}{_SEP}(?:{_PER_DAY}|毎日|各日)?(?:に)?{_ABOUT}{_NUM}時間"
        ),
        "wd_h",
    ),
    (
        re.compile(rf"{_PER_DAY}{_ABOUT}{_NUM}時間{_AROUND}(?:ずつ|を)?{_SEP}週{_ABOUT}{_NUM}(?:日|回)"),
        "h_wd",
    ),
    # 9時~18時(休憩1時間)の週5日: a break stated in brackets is not working time (before or after the days).
    (
        re.compile(rf"{_SPAN}{_BREAK}{_SEP}週{_NUM}(?:日|回|(?=で|[、,。]|$))(?:勤務|出勤)?{_BREAK}"),
        "span_wd",
    ),
    (re.compile(rf"週{_NUM}(?:日|回|(?=で))(?:勤務|出勤)?{_SEP}{_SPAN}{_BREAK}"), "wd_span"),
    (
        re.compile(
            rf"月(?:に)?{_ABOUT}{_NUM}(?:日|回){_AROUND}{_AT_WORK}{_SEP}(?:{_PER_DAY})?{_ABOUT}{_NUM}時間"
        ),
        "md_h",
    ),
    (re.compile(rf"{_PER_DAY}{_ABOUT}{_NUM}時間{_AROUND}(?:ずつ|を)?{_SEP}月{_ABOUT}{_NUM}日"), "h_md"),
    (re.compile(rf"週(?:に)?{_ABOUT}{_NUM}時間"), "wh"),
    (re.compile(rf"月(?:に|間)?{_ABOUT}{_NUM}時間"), "mh"),
]
_PARENT = r"夫|妻|主人|旦那|パパ|ママ|私|僕|父親|母親|父|母|嫁|わし|俺"
# Hours said once for both parents: 夫婦とも, 両親とも, 妻と私はともに, 夫も私も. 2人とも・どちらも are
# about the parents only in a sentence that names both of them or says 共働き.
_PARENTS_TOGETHER = re.compile(
    rf"夫婦(?:とも|共に|ともに|そろって|で)|両親(?:とも|共に|ともに)|(?:{_PARENT})(?:と|も)(?:{_PARENT})(?:は|が|も)?"
)
_BOTH = re.compile(r"(?:2人|両方|ふたり)とも|どちらも|いずれも|ともに|共に")
_TOGETHER_WORK = re.compile(r"共働き|共稼ぎ")
# One parent: said by name (ひとり親, 母子家庭, シングルマザー), by what happened (離婚, 死別), or by who the
# parents are (親は父だけ, 夫はいない, 私ひとりで育てて). Kinship and family-status vocabulary.
_SINGLE = re.compile(
    r"ひとり親|1人親|シングル(?:マザー|ファー?ザー|マム|家庭|世帯)|シンママ|シンパパ|(?:母子|父子)(?:家庭|世帯)|離婚(?!調停|協議|裁判|前|予定|を考え|を検討|したい|するかも|寸前)|離別|死別"
    r"|未婚の(?:母|父|ママ|パパ)|(?:保護者|親)(?:は|が)(?:母|父)(?:親)?(?:のみ|だけ|1人|ひとり)"
    r"|シングル(?:で|として)(?:子育て|育て)|シングル(?=で[、,]|です|なので|だから|やから|やねん|やけど|だけど|家庭|世帯)|(?:私|母|父|母親|父親)?(?:1人|ひとり)で(?:子育て|育て|子ども(?:を|たちを)?育て|子供を育て|養っ)"
    r"|(?:夫|妻|旦那|主人|父親|母親|パートナー|配偶者)(?:は|が)?(?:いない|いません|おらず|おりません|なし)"
)
_NOT_SINGLE = re.compile(
    r"(?:ひとり親|シングル(?:マザー|ファー?ザー)|(?:母子|父子)(?:家庭|世帯))(?:では|じゃ)(?:ない|ありません|なく)|単身赴任"
)
# Still married: a divorce under way (離婚調停中) or said outright (まだ夫婦, 婚姻中).
_STILL_MARRIED = re.compile(r"まだ夫婦|婚姻中|離婚(?:調停|協議|裁判)中|離婚前")
# 週休2日: the days off a week, so 7 - 2 = 5 working days.
_DAYS_OFF = re.compile(r"(?:完全)?週休(\d)日(?:制)?")
_EXEMPT = re.compile(r"(?:住民税)?非課税")
_TAXED = re.compile(
    r"(?<!非)課税(?:世帯|されて|されている|です)(?!い?ない|いません)|住民税(?:は|を)?(?:払って|かかって|納めて)(?!い?ない|いません)"
)
_ON_LEAVE = re.compile(r"育休|育児休(?:業|暇)")
_ON_LEAVE_NOW = re.compile(
    r"^(?:中|を取って|をとって|取得中|期間中|を取っている|をとっている|に入って|しています|してます|を取得|です|で)"
)
# A fact is denied by what follows it in its clause: 非課税ではない, 非課税には当たりません, 育休中じゃない,
# 育休は取っていない; 育休から復帰した is a leave that has ended. Uncertainty (非課税かどうか) states nothing.
_DENIED = re.compile(
    r"^[^。!?\n、,()]{0,8}?(?:では|じゃ|で)(?:ない|なく|ありません|はない|はありません)"
    r"|^[^。!?\n、,()]{0,8}?(?:に|には)(?:(?:当たら|あたら|該当し|当てはまら)(?:ない|ず)|(?:当たり|あたり|該当し|当てはまり)ません)"
    r"|^[^。!?\n、,()]{0,6}?(?:取って|とって|取得して|取得し)(?:い)?(?:ない|ません|ず)"
    r"|^[^。!?\n、,()]{0,3}?(?:から|を終えて|が終わって|が明けて|明けで|明けに)(?:復帰|復職)(?:した|しました|して)"
    # 育休明けで4月から時短勤務: the leave has ended when its clause goes on to the work now done.
    r"|^(?:が)?明け(?:で|て|、|,)?[^。!?\n]{0,14}?(?:勤務|働いて|復帰|復職)(?!予定|したい|する予定|します|でき|後)"
)
_UNSURE = re.compile(r"^[^。!?\n、,]{0,8}?(?:かどうか|か(?:は)?(?:分から|わから|不明))|^[^。!?\n]{0,8}?かも")


def _stated(text: str, pattern: re.Pattern[str], now: re.Pattern[str] | None = None) -> bool | None:
    """Whether the text affirms or denies what `pattern` names (the last statement wins); None if unsaid."""
    value: bool | None = None
    for m in pattern.finditer(text):
        after = text[m.end() :]
        if _UNSURE.match(after):
            continue
        if _DENIED.match(after):
            value = False
        elif now is None or now.match(after):
            value = True
    return value


_CLOCK_MINUTES = re.compile(r"(?<![\d.])(\d{1,2})(?::(\d{2})|時(\d{1,2})分|時半)(?!間)")


# 午後2時, 夜8時: afternoon and evening hours on a 24-hour clock; 朝9時, 午前9時 stay as they are.
_CLOCK_HALF_DAY = re.compile(r"(午前|朝|午後|夕方|夜)(\d{1,2})(?=時|:)")


def _twenty_four(m: re.Match[str]) -> str:
    hour = int(m.group(2))
    return str(hour + 12 if m.group(1) in ("午後", "夕方", "夜") and hour < 12 else hour)


def _clock_as_hours(text: str) -> str:
    """Write clock times as decimal hours: 8時半 → 8.5時, 8:30 → 8.5時, 17時15分 → 17.25時."""

    def hours(m: re.Match[str]) -> str:
        minutes = int(m.group(2) or m.group(3) or 30)
        return f"{int(m.group(1)) + minutes / 60:g}時" if minutes < 60 else m.group(0)

    return _CLOCK_MINUTES.sub(hours, _CLOCK_HALF_DAY.sub(_twenty_four, text))


def _span_hours(start: str, end: str) -> float:
    """Hours from one clock time to another; on a 12-hour clock an end not after the start is afternoon (9時から3時)."""
    first, last = float(start), float(end)
    if last <= first and last + 12 <= 24:
        last += 12
    return last - first


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
            rest = float(m.group(3) or m.group(5) or 0)
            per_day, days = _span_hours(m.group(1), m.group(2)) - rest, float(m.group(4))
        else:
            days, per_day = float(m.group(1)), _span_hours(m.group(2), m.group(3)) - float(m.group(4) or 0)
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


def _said_for_both(text: str, start: int) -> bool:
    """True when the sentence holding the hours at `start` gives them for both parents."""
    begin = max(text.rfind(ch, 0, start) for ch in "。!?\n") + 1
    stop = re.search(r"[。!?\n]", text[start:])
    sentence = text[begin : start + stop.start() if stop else len(text)]
    if _PARENTS_TOGETHER.search(sentence):
        return True
    parents = {m.group(0) for m in re.finditer(_PARENT, sentence)}
    return bool(_BOTH.search(sentence)) and (len(parents) >= 2 or bool(_TOGETHER_WORK.search(sentence)))


def read_parents(text: str) -> ParentsReading:
    """Read the parents' working time, 非課税, ひとり親 and 育休 from a normalised description."""
    parents = ParentsReading()
    work_text = _clock_as_hours(_DAYS_OFF.sub(lambda m: f"週{7 - int(m.group(1))}日", text))
    work = _work(work_text)
    readings = [reading for _, reading in work]
    if len(work) == 1 and _said_for_both(work_text, work[0][0]):
        readings = readings * 2
    parents.work = readings[:2]
    exempt = _stated(text, _EXEMPT)
    parents.tax_exempt = False if exempt is None and _TAXED.search(text) else exempt
    if _SINGLE.search(text):
        parents.single_parent = not _NOT_SINGLE.search(text)
    elif _STILL_MARRIED.search(text):
        parents.single_parent = False
    parents.on_leave = _stated(text, _ON_LEAVE, _ON_LEAVE_NOW)
    return parents
