"""Read the facts a rule needs out of a colloquial Japanese question (ages, hours, facility, household).

Only plain patterns are read; anything unclear is left out so the caller asks for it instead of
guessing. Kanji numerals next to a counter (三人, 週四日, 月八十時間, 第三子) become digits first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from kodomo_ai.rules.household import ChildReading, read_household
from kodomo_ai.text.numbers import counted_numerals, replace_numerals

_COUNTERS = r"人|歳|才|時間|日|か月|ヶ月|カ月|ケ月|箇月|円|万|点|号|子|週|回|児|年"
_KANJI_NUMBER = counted_numerals(_COUNTERS)
_WORD_NUMBERS = {"ひとり": "1人", "ふたり": "2人", "さんにん": "3人", "よにん": "4人"}


def normalise(question: str) -> str:
    """NFKC-normalise, turn counted kanji numerals and ふたり etc. into digits, drop spaces."""
    text = unicodedata.normalize("NFKC", question)
    text = text.replace("一人親", "ひとり親").replace("一人っ子", "ひとりっ子")
    text = replace_numerals(text, _KANJI_NUMBER)
    for word, digits in _WORD_NUMBERS.items():
        text = re.sub(rf"{word}(?!親|っ子|で|ぼっち)", digits, text)
    text = text.replace("〜", "~").replace("、", "、")
    return re.sub(r"\s+", "", text)


@dataclass
class ChildFact:
    """One child read from the question: the youngest age it can be, and the household reading behind it."""

    age: int
    label: str
    supported: bool = True
    approximate: bool = False  # a school year or class: the age is a range (age .. age_max)
    class_band: str | None = None  # 3to5 / under3 when a class (年少, 3歳児クラス) was named
    reading: ChildReading | None = None


@dataclass
class ParentFact:
    """One parent's situation read from the question."""

    reason: str
    hours_per_month: float | None = None
    severity: str | None = None
    basis: str = ""
    assumed: bool = False


@dataclass
class QuestionFacts:
    """Everything read from one question."""

    text: str
    children: list[ChildFact] = field(default_factory=list)
    child_count: int | None = None
    turning: tuple[int, int] | None = None  # (age, months from now)
    parents: list[ParentFact] = field(default_factory=list)
    both_parents_same: bool = False
    single_parent: bool = False
    facility: str | None = None
    tax_exempt: bool | None = None
    azukari_days: int | None = None
    amount_yen: int | None = None
    adjustments: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


_TURNING = re.compile(r"(来月|今月|再来月|もうすぐ|近々)(\d)(?:歳|才)")
_MONTHLY = re.compile(r"月(?:に)?(\d+(?:\.\d+)?)時間")
_WEEKLY_HOURS = re.compile(r"週(?:に)?(\d+(?:\.\d+)?)時間")
_WEEK_DAYS = re.compile(r"週(?:に)?(\d)日")
_DAY_HOURS = re.compile(r"(?:1日|一日|日)(?:に)?(\d+(?:\.\d+)?)時間")
_FULLTIME = re.compile(r"フルタイム|正社員")
_REASONS = [
    (re.compile(r"求職|就活|仕事を探|職探し"), "job_seeking", None),
    (re.compile(r"妊娠|出産予定|産休|臨月"), "pregnancy", None),
    (re.compile(r"育休(?!明け|から)|育児休業中|育児休暇中"), "parental_leave", None),
    (re.compile(r"入院"), "illness", "hospitalized"),
    (re.compile(r"通院|療養"), "illness", "outpatient"),
    (re.compile(r"専業主婦|専業主夫|家にいる|家で見られる|働いていない|無職"), "home", None),
]
_FACILITIES = [
    (re.compile(r"一時預かり"), "temporary_care"),
    (re.compile(r"病児保育|病後児保育"), "sick_child_care"),
    (re.compile(r"ファミサポ|ファミリー・?サポート"), "family_support"),
    (re.compile(r"認可外|無認可|ベビーシッター|企業内保育|事業所内の保育"), "unlicensed"),
    (
        re.compile(r"(?:新制度に)?(?:未移行|移行していない)(?:の)?幼稚園|私立幼稚園\(未移行\)"),
        "kindergarten_unconverted",
    ),
    (re.compile(r"小規模"), "small_scale"),
    (re.compile(r"こども園|子ども園"), "kodomoen_hoiku"),
    (re.compile(r"幼稚園"), "kindergarten"),
    (re.compile(r"保育園|保育所|認可保育"), "nursery"),
]
_ADJUSTMENTS = [
    (re.compile(r"育休明け|育休から(?:復帰|復職)|復職"), "return_from_leave"),
    (
        re.compile(r"(?:上の子|兄|姉|お兄ちゃん|お姉ちゃん)(?:が|も)?.{0,8}(?:在園|通って|通園)"),
        "sibling_enrolled",
    ),
    (
        re.compile(
            r"(?:祖父母|おじいちゃん|おばあちゃん|義父|義母|実家).{0,10}同居|同居.{0,10}(?:祖父母|おじいちゃん|おばあちゃん)"
        ),
        "grandparent_can_care",
    ),
    (re.compile(r"認可外に(?:預けて|預け)"), "unlicensed_paid"),
    (re.compile(r"保育士として|保育士で働"), "nursery_worker"),
    (re.compile(r"小規模.{0,10}卒園"), "small_scale_graduate"),
]
_SINGLE = re.compile(r"ひとり親|シングル(?:マザー|ファザー)?|母子家庭|父子家庭|離婚して")
_BOTH = re.compile(r"夫婦(?:とも|共|ともに|で)|共働き|共稼ぎ|(?:2人|両親|両方)とも")
_AMOUNT_MAN = re.compile(r"(\d+(?:\.\d+)?)万(?:(\d)千)?円")
_AMOUNT_YEN = re.compile(r"(\d{1,3}(?:,\d{3})+|\d{3,7})円")


def _children(text: str, facts: QuestionFacts, today: date) -> None:
    turning = _TURNING.search(text)
    if turning:
        months = {"今月": 0, "来月": 1, "再来月": 2}.get(turning.group(1), 1)
        facts.turning = (int(turning.group(2)), months)
    household = read_household(text, today)
    for reading in household.children:
        label = reading.basis if reading.basis.endswith(("子", "さん")) else f"{reading.basis}の子"
        band = None
        if reading.class_age is not None and reading.class_age <= 5:
            band = "3to5" if reading.class_age >= 3 else "under3"
        facts.children.append(
            ChildFact(
                age=reading.age_min,
                label=label,
                supported=reading.supported,
                approximate=reading.age_min != reading.age_max or reading.class_age is not None,
                class_band=band,
                reading=reading,
            )
        )
    facts.child_count = household.stated_count


def _hours_mentions(text: str) -> list[tuple[int, ParentFact]]:
    found: list[tuple[int, ParentFact]] = []
    for match in _MONTHLY.finditer(text):
        value = float(match.group(1))
        found.append((match.start(), ParentFact("work", value, basis=f"月{value:g}時間")))
    for match in _WEEKLY_HOURS.finditer(text):
        value = float(match.group(1))
        found.append((match.start(), ParentFact("work", value * 4, basis=f"週{value:g}時間×4週")))
    days = list(_WEEK_DAYS.finditer(text))
    day_hours = [m for m in _DAY_HOURS.finditer(text) if not _MONTHLY.match(text, max(m.start() - 1, 0))]
    for day, hour in zip(days, day_hours, strict=False):
        d, h = int(day.group(1)), float(hour.group(1))
        found.append(
            (min(day.start(), hour.start()), ParentFact("work", d * h * 4, basis=f"週{d}日×1日{h:g}時間×4週"))
        )
    for match in _FULLTIME.finditer(text):
        found.append(
            (
                match.start(),
                ParentFact(
                    "work", 160, basis="フルタイム（週5日×1日8時間×4週＝月160時間と仮定）", assumed=True
                ),
            )
        )
    return found


def _parents(text: str, facts: QuestionFacts) -> None:
    mentions = _hours_mentions(text)
    for pattern, reason, severity in _REASONS:
        for match in pattern.finditer(text):
            mentions.append((match.start(), ParentFact(reason, severity=severity, basis=match.group(0))))
    mentions.sort(key=lambda item: item[0])
    facts.parents = [fact for _, fact in mentions][:2]
    facts.both_parents_same = bool(_BOTH.search(text))
    facts.single_parent = bool(_SINGLE.search(text))


def _amount(text: str) -> int | None:
    man = _AMOUNT_MAN.search(text)
    if man:
        value = float(man.group(1)) * 10000 + (int(man.group(2)) * 1000 if man.group(2) else 0)
        return int(value)
    plain = _AMOUNT_YEN.search(text)
    return int(plain.group(1).replace(",", "")) if plain else None


def read_question(question: str, today: date | None = None) -> QuestionFacts:
    """Return the facts found in a question (normalised text included); ages are on `today`."""
    text = normalise(question)
    facts = QuestionFacts(text=text)
    _children(text, facts, today or date.today())
    _parents(text, facts)
    for pattern, facility in _FACILITIES:
        if pattern.search(text):
            facts.facility = facility
            break
    if re.search(r"非課税", text):
        facts.tax_exempt = True
    elif re.search(r"(?<!非)課税", text):
        facts.tax_exempt = False
    days = re.search(r"預かり保育.{0,12}?(?<!\d)(\d{1,2})日|(?<!\d)(\d{1,2})日.{0,8}預かり保育", text)
    if days:
        facts.azukari_days = int(days.group(1) or days.group(2))
    facts.amount_yen = _amount(text)
    for pattern, key in _ADJUSTMENTS:
        if pattern.search(text):
            facts.adjustments.append(key)
    return facts
