"""Household reader: the children and parents of a family as people describe them, for the rules.

Children come as ages (5歳, 2歳半, 1歳3か月, 生後8か月), school years and classes (小1〜高3, 中学2年生,
年少・年中・年長, 0〜5歳児クラス, 大学2年, 大学生, 専門学校生), birth dates in 西暦 or 和暦 (令和6年4月1日生まれ,
2020年生まれ) or a coming step (来年小学校). Each becomes a window of possible birth dates and so an age
range in full years on the reference date (満年齢: an age is reached on the day before the birthday).

School years: the school year runs from 1 April to 31 March and a child starts 小学校 on the first 1 April
after reaching 6, so the children in 小1 during the school year that starts in April Y were born between
2 April Y-7 and 1 April Y-6. A cohort is named by its クラス年齢 N (the age reached by 1 April of the year):
N歳児クラス = N, 年少 3, 年中 4, 年長 5, 小g = 5+g, 中g = 11+g, 高g = 14+g, 大学g年 = 17+g, assuming no year
was repeated or skipped; the reader says so whenever it used a school year.

Work: 週d日・1日h時間 is d×h hours a week; a month is weekly hours × 52 / 12, rounded half up to whole
hours (週3日×1日5時間 = 15 × 52 / 12 = 65). Per-month figures (月80時間, 月20日×1日6時間) are taken as they are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kodomo_ai.rules import ages
from kodomo_ai.text.eras import ERA_LETTERS, ERA_NAMES, western_year
from kodomo_ai.text.numbers import counted_numerals, kanji_to_int, replace_numerals

WEEKS_PER_YEAR = 52
MONTHS_PER_YEAR = 12
OLDEST_CHILD_AGE = 25  # beyond this an age in the text is taken to be an adult's, not a child's

_NUMERAL = counted_numerals(r"人|歳|才|時間|時|日|か月|ヶ月|カ月|ケ月|箇月|年|週|回|児|子|つ子")
_SCHOOL_NUMERAL = re.compile(r"(?<=[小中高])([一二三四五六])(?![一-龥])")
_MONTHS = r"(?:か月|ヶ月|カ月|ケ月|箇月|ヵ月)"


def normalise_description(text: str) -> str:
    """NFKC, kanji numerals before counters (and after 小/中/高) as digits, no spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = replace_numerals(text, _NUMERAL)
    text = _SCHOOL_NUMERAL.sub(lambda m: str(kanji_to_int(m.group(1))), text)
    text = text.replace("〜", "~").replace("ヵ月", "か月")
    return re.sub(r"\s+", "", text)


def monthly_hours_from_week(hours_per_week: float) -> int:
    """Return hours a month for hours a week: × 52 / 12, rounded half up (the reader's stated rule)."""
    value = Decimal(str(hours_per_week)) * WEEKS_PER_YEAR / MONTHS_PER_YEAR
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


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


@dataclass
class HouseholdReading:
    """A household read from text: children oldest first, parents, the stated number of children."""

    text: str
    reference_date: date
    children: list[ChildReading] = field(default_factory=list)
    parents: ParentsReading = field(default_factory=ParentsReading)
    stated_count: int | None = None

    @property
    def assumptions(self) -> list[str]:
        """The assumptions made, one Japanese sentence each."""
        return list(dict.fromkeys(c.assumption for c in self.children if c.assumption))

    @property
    def missing_children(self) -> int:
        """How many children the text counts but does not describe."""
        return max((self.stated_count or 0) - len(self.children), 0)


# --- birth windows -------------------------------------------------------------------------------


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


# --- children ------------------------------------------------------------------------------------

_BIRTH_SUFFIX = r"(?:生まれ|生|産まれ|に生まれ|に産まれ|誕生|出生)"
_ADULT_BEFORE = re.compile(
    r"(?:私|わたし|僕|自分|夫|妻|主人|旦那|パパ|ママ|父|母|祖父|祖母|おじいちゃん|おばあちゃん|義父|義母|本人|親)"
    r"(?:は|が|も|の年齢は|\()?$"
)
_CHILD_PATTERN = re.compile(
    "|".join(
        [
            rf"(?P<wy>(?:19|20)\d{{2}})(?:年|[/.-])(?:(?P<wm>\d{{1,2}})(?:月|[/.-])(?:(?P<wd>\d{{1,2}})日?)?)?{_BIRTH_SUFFIX}",
            rf"(?P<era>{ERA_NAMES}|[{ERA_LETTERS}])(?P<ey>元|\d{{1,2}})(?:年|[/.])(?:(?P<em>\d{{1,2}})(?:月|[/.])(?:(?P<ed>\d{{1,2}})日?)?)?{_BIRTH_SUFFIX}",
            r"(?P<nextschool>(?:来年度|来年|再来年度|再来年|来春|この春|今年の春|今年|春|4月)(?:から|に|の春から)?(?:は)?(?:小学校|小学生|1年生|ピカピカの1年生))",
            r"(?P<nextlevel>(?:来年度|来年|来春|春|4月)(?:から|に)?(?:は)?(?P<level>中学|高校|大学)(?:生|校)?)",
            r"(?P<turn_when>来月|再来月|来週|もうすぐ|近々|今月|今年度|今年|もう少しで|じきに)?(?P<turn>\d{1,2})(?:歳|才)(?:に|を)?(?:なる|迎える)(?!ばかり|た)",
            rf"生後(?P<pm>\d{{1,2}}){_MONTHS}|(?P<bm>\d{{1,2}}){_MONTHS}(?=の|と|、|,|です|で|が|\)|双子|児|半)",
            rf"(?P<ay>\d{{1,2}})(?:歳|才)(?P<half>半)?(?:(?P<am>\d{{1,2}}){_MONTHS})?(?P<classword>児クラス|クラス|児(?!童))?"
            r"(?!まで|以上|未満|以下|から|到達|の年度|年度|になった後|に達|の誕生日|を過ぎ|を超え|差)",
            r"(?P<uni>大学院|大学|短大|短期大学|専門学校|専門)(?P<uy>\d)年(?:生)?",
            r"(?P<univ>大学院生|大学生|短大生|専門学校生|専門学生|専門学校に通|浪人生|浪人中)",
            r"(?P<school>小学校|小学|中学校|中学|高校|高等学校)(?P<sy>\d)年(?:生)?",
            r"(?P<sshort>[小中高])(?P<sn>\d)(?!時間|日|回|か月|人|歳|才|年|万|千|週)",
            r"(?P<stage>小学生|中学生|高校生|小学校に通|中学校に通|高校に通|幼稚園児|保育園児|未就学児)",
            r"(?P<kclass>年少々|年少|年中|年長)(?:さん|組|クラス|児)?",
            r"(?P<baby>新生児|赤ちゃん|赤ん坊|乳児|0歳児)",
            r"(?P<adult>社会人|就職して(?:独立|自立)|独立して|働いて(?:いる|る)(?:長|次)?(?:男|女))",
            r"(?<![小中高大])(?P<gy>\d)年生",
        ]
    )
)
_MULTIPLE_AFTER = re.compile(r"^(?:が|は|も)?(\d)人")
_TWINS = re.compile(r"双子|ふたご|三つ子|3つ子")
_STAGE_COHORTS = {
    "小学生": (6, 11, "小学生"),
    "小学校に通": (6, 11, "小学生"),
    "中学生": (12, 14, "中学生"),
    "中学校に通": (12, 14, "中学生"),
    "高校生": (15, 17, "高校生"),
    "高校に通": (15, 17, "高校生"),
    "幼稚園児": (3, 5, "幼稚園児"),
    "保育園児": (0, 5, "保育園児"),
    "未就学児": (0, 5, "未就学児"),
    "大学生": (18, 21, "大学生"),
    "大学院生": (22, 23, "大学院生"),
    "短大生": (18, 19, "短大生"),
    "専門学校生": (18, 19, "専門学校生"),
    "専門学生": (18, 19, "専門学校生"),
    "専門学校に通": (18, 19, "専門学校生"),
    "浪人生": (18, 19, "浪人生"),
    "浪人中": (18, 19, "浪人生"),
}
_UNIVERSITY_START = {"大学院": 21, "大学": 17, "短大": 17, "短期大学": 17, "専門学校": 17, "専門": 17}
_SCHOOL_START = {
    "小学校": 5,
    "小学": 5,
    "小": 5,
    "中学校": 11,
    "中学": 11,
    "中": 11,
    "高校": 14,
    "高等学校": 14,
    "高": 14,
}
_SCHOOL_MAX_GRADE = {5: 6, 11: 3, 14: 3}
_LEVEL_FIRST_COHORT = {"中学": 12, "高校": 15, "大学": 18}


@dataclass
class _Found:
    start: int
    end: int
    child: ChildReading


def _cohort_child(first: int, last: int, on: date, basis: str, label: str) -> ChildReading:
    born_from = window_for_cohort(last, on)[0]
    born_to = window_for_cohort(first, on)[1]
    low, high = age_range(born_from, born_to, on)
    years = f"{low}〜{high}歳" if low != high else f"{low}歳"
    assumption = f"{label}（{years}）として計算しました"
    if first >= 6:
        assumption += "（学年は年齢どおりに進んでいるものとしました）"
    cohort = first if first == last else None
    return ChildReading(low, high, basis, born_from, born_to, assumption + "。", class_age=cohort)


def _age_child(age: int, on: date, basis: str) -> ChildReading:
    born_from, born_to = window_for_age(age, on)
    return ChildReading(age, age, basis, born_from, born_to)


def _window_child(born_from: date, born_to: date, on: date, basis: str) -> ChildReading | None:
    if born_from > on:
        return None
    low, high = age_range(born_from, born_to, on)
    return ChildReading(low, high, basis, born_from, min(born_to, on))


def _date_window(year: int, month: int | None, day: int | None) -> tuple[date, date] | None:
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if day is None:
            following = ages.add_months(date(year, month, 1), 1)
            return date(year, month, 1), following - timedelta(days=1)
        exact = date(year, month, day)
    except ValueError:
        return None
    return exact, exact


def _entry_cohort(word: str, on: date, target_first_cohort: int) -> int:
    """Return the cohort now of a child who enters the school level with first cohort `target` at `word`."""
    year = ages.fiscal_year_of(on)
    if word.startswith("再来年度"):
        entry_year = year + 2
    elif word.startswith("再来年"):
        entry_year = on.year + 2
    elif word.startswith("来年度"):
        entry_year = year + 1
    elif word.startswith("来年"):
        entry_year = on.year + 1  # 来年 is the next calendar year: in January it is the April after next
    elif word.startswith(("この春", "今年")):
        entry_year = on.year if on.month < 4 else year
    else:  # 来春, 春から, 4月から: the coming April
        entry_year = year + 1
    return target_first_cohort - (entry_year - year)


def _read_match(m: re.Match[str], text: str, on: date) -> ChildReading | None:
    basis = m.group(0)
    if m.group("wy"):
        window = _date_window(
            int(m.group("wy")),
            int(m.group("wm")) if m.group("wm") else None,
            int(m.group("wd")) if m.group("wd") else None,
        )
        return _window_child(*window, on, basis) if window else None
    if m.group("era"):
        year = western_year(m.group("era"), m.group("ey"))
        window = _date_window(
            year, int(m.group("em")) if m.group("em") else None, int(m.group("ed")) if m.group("ed") else None
        )
        return _window_child(*window, on, basis) if window else None
    if m.group("nextschool"):
        cohort = _entry_cohort(m.group("nextschool"), on, 6)
        if cohort < 0:
            return None
        return _cohort_child(cohort, cohort, on, basis, f"「{basis}」は今年度の{cohort_label(cohort)}")
    if m.group("nextlevel"):
        cohort = _entry_cohort(m.group("nextlevel"), on, _LEVEL_FIRST_COHORT[m.group("level")])
        return _cohort_child(cohort, cohort, on, basis, f"「{basis}」は今年度の{cohort_label(cohort)}")
    if m.group("turn"):
        age = int(m.group("turn"))
        when = m.group("turn_when") or ""
        if when in ("来月", "再来月", "来週", "もうすぐ", "近々", "もう少しで", "じきに"):
            return _age_child(max(age - 1, 0), on, basis)
        if when == "今年度":
            return _cohort_child(
                age - 1, age - 1, on, basis, f"今年度{age}歳になる子（{cohort_label(age - 1)}）"
            )
        young = _age_child(max(age - 1, 0), on, basis)
        return ChildReading(
            young.age_min, age, basis, window_for_age(age, on)[0], young.born_to,
            f"{basis}子は、誕生日の前後で{max(age - 1, 0)}歳か{age}歳として計算しました。",
        )  # fmt: skip
    if m.group("pm") or m.group("bm"):
        months = int(m.group("pm") or m.group("bm"))
        return _age_child(months // 12, on, basis)
    if m.group("ay"):
        age = int(m.group("ay"))
        if m.group("classword"):
            if age > 5:
                return None
            return _cohort_child(age, age, on, basis, f"{age}歳児クラス")
        before = text[max(0, m.start() - 8) : m.start()]
        if age > OLDEST_CHILD_AGE or _ADULT_BEFORE.search(before):
            return None
        return _age_child(age, on, basis)
    if m.group("uni"):
        start = _UNIVERSITY_START[m.group("uni")]
        cohort = start + int(m.group("uy"))
        label = {
            "大学院": "大学院",
            "短大": "短大",
            "短期大学": "短大",
            "専門学校": "専門学校",
            "専門": "専門学校",
        }.get(m.group("uni"), "大学")
        return _cohort_child(cohort, cohort, on, basis, f"{label}{m.group('uy')}年生")
    if m.group("univ"):
        first, last, label = _STAGE_COHORTS[m.group("univ")]
        child = _cohort_child(first, last, on, basis, label)
        return child
    if m.group("school") or m.group("sshort"):
        start = _SCHOOL_START[m.group("school") or m.group("sshort")]
        grade = int(m.group("sy") or m.group("sn"))
        if not 1 <= grade <= _SCHOOL_MAX_GRADE[start]:
            return None
        return _cohort_child(start + grade, start + grade, on, basis, cohort_label(start + grade))
    if m.group("stage"):
        first, last, label = _STAGE_COHORTS[m.group("stage")]
        return _cohort_child(first, last, on, basis, label)
    if m.group("kclass"):
        cohort = {"年少々": 2, "年少": 3, "年中": 4, "年長": 5}[m.group("kclass")]
        return _cohort_child(cohort, cohort, on, basis, f"{m.group('kclass')}の{cohort}歳児クラス")
    if m.group("baby"):
        return _age_child(0, on, basis)
    if m.group("adult"):
        born_from, born_to = window_for_cohort(29, on)[0], window_for_cohort(18, on)[1]
        low, high = age_range(born_from, born_to, on)
        return ChildReading(
            low, high, basis, born_from, born_to,
            f"{basis}の子は、親が生活費を負担していないものとして児童手当では数えませんでした。", supported=False,
        )  # fmt: skip
    if m.group("gy"):
        grade = int(m.group("gy"))
        if not 1 <= grade <= 6:
            return None
        label = cohort_label(5 + grade)
        return _cohort_child(5 + grade, 5 + grade, on, basis, f"{label}（小学生として）")
    return None


def _read_children(text: str, on: date) -> list[ChildReading]:
    found: list[_Found] = []
    for match in _CHILD_PATTERN.finditer(text):
        child = _read_match(match, text, on)
        if child is None:
            continue
        found.append(_Found(match.start(), match.end(), child))
        more = _MULTIPLE_AFTER.match(text[match.end() :])
        if more and 1 < int(more.group(1)) <= 5:
            for _ in range(int(more.group(1)) - 1):
                found.append(_Found(match.start(), match.end(), child))
    found = _merge_same_child(found, text, on)
    for twins in _TWINS.finditer(text):
        size = 3 if "三" in twins.group(0) or "3" in twins.group(0) else 2
        near = [
            f for f in found if twins.start() - 6 <= f.end <= twins.start() or 0 <= f.start - twins.end() <= 4
        ]
        if near:
            nearest = min(near, key=lambda f: min(abs(f.end - twins.start()), abs(f.start - twins.end())))
            twin = nearest.child
            for _ in range(size - sum(1 for f in found if f.child is twin)):
                found.append(_Found(nearest.start, nearest.end, twin))
    children = [f.child for f in found]
    # Oldest first: the earliest possible birth date, then the latest (stable for equal windows).
    return sorted(children, key=lambda c: (c.born_from, c.born_to))


_SEPARATOR = re.compile(r"[、,と・/や及&＆]|また|あと|それに")
_MERGE_GAP = (
    5  # 「20歳の大学生」「大学生の娘(20歳)」: two mentions this close without a separator are one child
)


def _merge_same_child(found: list[_Found], text: str, on: date) -> list[_Found]:
    """Join an exact age and a school year (or 赤ちゃん) that describe the same child into one reading."""
    found = sorted(found, key=lambda f: f.start)
    merged: list[_Found] = []
    for item in found:
        if merged:
            last = merged[-1]
            gap = text[last.end : item.start]
            born_from = max(last.child.born_from, item.child.born_from)
            born_to = min(last.child.born_to, item.child.born_to)
            if (
                last.end <= item.start
                and len(gap) <= _MERGE_GAP
                and not _SEPARATOR.search(gap)
                and born_from <= born_to
            ):
                narrow = min(
                    (last.child, item.child), key=lambda c: (c.age_max - c.age_min, c.born_to - c.born_from)
                )
                wide = item.child if narrow is last.child else last.child
                low, high = age_range(born_from, born_to, on)
                merged[-1] = _Found(
                    last.start,
                    item.end,
                    ChildReading(
                        low, high, f"{last.child.basis}{gap}{item.child.basis}", born_from, born_to,
                        narrow.assumption, narrow.supported and wide.supported,
                    ),
                )  # fmt: skip
                continue
        merged.append(item)
    return merged


_COUNT_PATTERNS = [
    re.compile(r"子(?:ども|供|どもたち|供たち)?(?:が|は|も)?(?:全部で)?(\d)人"),
    re.compile(r"(\d)人の(?:子|こども|子ども|子供|娘|息子)"),
    re.compile(r"(\d)人(?:きょうだい|兄弟|姉妹|兄妹|姉弟)"),
    re.compile(r"(\d)児の(?:母|父|ママ|パパ|親)"),
    re.compile(r"の(\d)人(?:です|います|いる|で|の|を|がい|$)"),
    re.compile(r"(\d)人(?:とも|全員)"),
]


def _stated_count(text: str) -> int | None:
    counts = [int(m.group(1)) for pattern in _COUNT_PATTERNS for m in pattern.finditer(text)]
    return max(counts) if counts else None


# --- parents -------------------------------------------------------------------------------------

_NUM = r"(\d+(?:\.\d+)?)"
_ABOUT = r"(?:約|およそ|だいたい|大体|ほぼ)?"
_AROUND = r"(?:くらい|ぐらい|程度|ほど|前後)?"
_SEP = r"(?:、|,|で|に|の|を|x|×|\*|・|/)?"
_WORK_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            rf"週{_ABOUT}{_NUM}(?:日|回){_AROUND}{_SEP}(?:1日|一日|毎日|各日)?(?:に)?{_ABOUT}{_NUM}時間"
        ),
        "wd_h",
    ),
    (
        re.compile(rf"(?:1日|一日){_ABOUT}{_NUM}時間{_AROUND}(?:ずつ|を)?{_SEP}週{_ABOUT}{_NUM}(?:日|回)"),
        "h_wd",
    ),
    (re.compile(rf"(\d{{1,2}})時(?:から|~|-)(\d{{1,2}})時(?:まで)?{_SEP}週{_NUM}(?:日|回)"), "span_wd"),
    (re.compile(rf"週{_NUM}(?:日|回){_SEP}(\d{{1,2}})時(?:から|~|-)(\d{{1,2}})時"), "wd_span"),
    (re.compile(rf"月{_ABOUT}{_NUM}日{_AROUND}{_SEP}(?:1日|一日)?{_ABOUT}{_NUM}時間"), "md_h"),
    (re.compile(rf"(?:1日|一日){_ABOUT}{_NUM}時間{_AROUND}(?:ずつ|を)?{_SEP}月{_ABOUT}{_NUM}日"), "h_md"),
    (re.compile(rf"週{_ABOUT}{_NUM}時間"), "wh"),
    (re.compile(rf"月(?:に|間)?{_ABOUT}{_NUM}時間"), "mh"),
]
_BOTH = re.compile(r"夫婦(?:とも|共に|ともに|そろって)|(?:2人|両親|両方|ふたり)とも|どちらも")
_SINGLE = re.compile(
    r"ひとり親|一人親|シングル(?:マザー|ファザー)|シンママ|シンパパ|母子家庭|父子家庭|母子世帯|父子世帯|離婚して|離婚し|死別"
)
_NOT_SINGLE = re.compile(r"ひとり親(?:ではない|ではありません|じゃない)")
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


def _read_parents(text: str) -> ParentsReading:
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


def read_household(text: str, reference_date: date) -> HouseholdReading:
    """Read the children (oldest first) and the parents from a Japanese description, on `reference_date`."""
    normalised = normalise_description(text)
    return HouseholdReading(
        text=normalised,
        reference_date=reference_date,
        children=_read_children(normalised, reference_date),
        parents=_read_parents(normalised),
        stated_count=_stated_count(normalised),
    )


def read_child(description: str, reference_date: date) -> ChildReading:
    """Read one child from a short description (中3, 2019-05-01, 令和2年4月1日, 4歳, 年長); ValueError if unclear."""
    text = normalise_description(description)
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if iso:
        text = f"{iso.group(1)}年{iso.group(2)}月{iso.group(3)}日生まれ"
    elif re.fullmatch(rf"(?:(?:19|20)\d{{2}}年|(?:{ERA_NAMES})(?:元|\d{{1,2}})年)[\d月日]*", text):
        text += "生まれ"
    children = _read_children(text, reference_date)
    if len(children) != 1:
        raise ValueError(f"子どもの年齢・学年・生年月日として読めません: {description}")
    return children[0]
