"""Household reader: the children and parents of a family as people describe them, for the rules.

Children come as ages (5歳, 2歳半, 1歳3か月, 生後8か月, 5つ), school years and classes (小1〜高3, 中学2年生,
年少・年中・年長, 0〜5歳児クラス, 大学2年, 大学生, 専門学校生), birth dates in 西暦 or 和暦 (令和6年4月1日生まれ,
R3.5.10生まれ, 2020年生まれ) or a coming step (来年小学校). Each becomes a window of possible birth dates and so
an age range in full years on the reference date (満年齢: an age is reached on the day before the birthday).
Hiragana spellings (よんさい, しょうがく1ねんせい) are read as written first (text/kana.py).

Mentions: the words about one child (「大学4年（22歳）の長男」, 「平成23年生まれで、いま高校1年」) are read as
one child: two readings join when their birth windows overlap, they are of different kinds (an age and a
school year, a class named twice) and nothing between them starts another child (と・や, a new sentence, a
word naming another child such as 下の子). A count (小学生が2人, 双子) multiplies a mention; when the text
states how many children there are, it decides whether 「大学4年生、22歳」 is one child or two.

School years: the school year runs from 1 April to 31 March and a child starts 小学校 on the first 1 April
after reaching 6, so the children in 小1 during the school year that starts in April Y were born between
2 April Y-7 and 1 April Y-6. A cohort is named by its クラス年齢 N (the age reached by 1 April of the year):
N歳児クラス = N, 年少 3, 年中 4, 年長 5, 小g = 5+g, 中g = 11+g, 高g = 14+g, 大学g年 = 17+g, assuming no year
was repeated or skipped; the reader says so whenever it used a school year. Work: household_parents.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from kodomo_ai.rules import ages
from kodomo_ai.rules.household_parents import (
    MONTHS_PER_YEAR,
    WEEKS_PER_YEAR,
    ParentsReading,
    WorkReading,
    monthly_hours_from_week,
    read_parents,
)
from kodomo_ai.rules.household_windows import (
    ChildReading,
    age_range,
    cohort_label,
    window_for_age,
    window_for_cohort,
)
from kodomo_ai.text.eras import ERA_LETTERS, ERA_NAMES, western_year
from kodomo_ai.text.kana import spell_numbers, spell_words
from kodomo_ai.text.numbers import counted_numerals, kanji_to_int, replace_numerals

__all__ = [
    "MONTHS_PER_YEAR",
    "WEEKS_PER_YEAR",
    "ChildReading",
    "HouseholdReading",
    "ParentsReading",
    "WorkReading",
    "age_range",
    "monthly_hours_from_week",
    "read_child",
    "read_household",
    "window_for_age",
    "window_for_cohort",
]

# Without a word naming a child in the same clause, an older age in the text is taken to be an adult's.
OLDEST_CHILD_AGE = 25

# Hiragana spellings of school, class and family words (domain vocabulary), read as they are usually written.
_KANA_WORDS = {
    "しょうがっこう": "小学校", "ちゅうがっこう": "中学校", "しょうがくせい": "小学生", "ちゅうがくせい": "中学生",
    "こうこうせい": "高校生", "だいがくせい": "大学生", "だいがくいん": "大学院", "しょうがく": "小学",
    "ちゅうがく": "中学", "こうこう": "高校", "だいがく": "大学", "せんもんがっこう": "専門学校", "たんだい": "短大",
    "こうせん": "高専", "ねんしょう": "年少", "ねんちゅう": "年中", "ねんちょう": "年長", "ほいくえん": "保育園",
    "ようちえん": "幼稚園", "あかちゃん": "赤ちゃん", "ふたご": "双子", "みつご": "三つ子", "ちょうなん": "長男",
    "ちょうじょ": "長女", "じなん": "次男", "じじょ": "次女", "さんなん": "三男", "さんじょ": "三女",
    "むすこ": "息子", "むすめ": "娘", "こども": "子ども", "すえっこ": "末っ子", "せいご": "生後", "うまれ": "生まれ",
    "らいねん": "来年", "ことし": "今年", "きょねん": "去年", "おととし": "一昨年", "らいげつ": "来月", "しゃかいじん": "社会人", "わたくし": "私",
    "わたし": "私", "だんな": "旦那", "ひとりおや": "ひとり親", "ぼしかてい": "母子家庭", "ふしかてい": "父子家庭",
    "ひかぜい": "非課税", "いくきゅう": "育休", "にゅうがく": "入学",
}  # fmt: skip
_NUMERAL = counted_numerals(r"人|歳|才|時間|時|日|か月|ヶ月|カ月|ケ月|箇月|年|週|回|児|子|つ子|つ")
_SCHOOL_NUMERAL = re.compile(r"(?<=[小中高])([一二三四五六])(?![一-龥])")
_LEVEL_KANA = re.compile(r"(しょう|ちゅう|こう)(?=\d)")
_MONTHS = r"(?:か月|ヶ月|カ月|ケ月|箇月|ヵ月)"
_CHILD_NAMES = r"長男|長女|次男|次女|三男|三女|四男|四女|末っ子|息子|娘"
# 長男（12）: a bare number in brackets after a child is its age; 5つ: the native count of a small child's age;
# 15、13、3歳: one counter after a list of numbers counts them all.
_AGE_IN_BRACKETS = re.compile(
    rf"({_CHILD_NAMES}|子|ちゃん|くん|年少|年中|年長|[小中高]\d|年生)\((\d{{1,2}})\)"
)
_NATIVE_AGE = re.compile(
    r"(?<!\d)(\d{1,2})つ(?=[とで、。,)]|です|の(?:子|娘|息子|男の子|女の子|姉妹|兄弟|姉弟|兄妹)|$)"
)
_SHARED_COUNTER = re.compile(
    r"(?<![\d.一-龥A-Za-z])(\d{1,2})(?=(?:[、,・と]\d{1,2})*[、,・と]\d{1,2}(?:歳|才))"
)


def normalise_description(text: str) -> str:
    """NFKC; hiragana school words and counted numbers as written; kanji numerals as digits; no spaces."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    text = spell_numbers(spell_words(text, _KANA_WORDS))
    text = replace_numerals(text, _NUMERAL)
    text = _SCHOOL_NUMERAL.sub(lambda m: str(kanji_to_int(m.group(1))), text)
    text = _LEVEL_KANA.sub(lambda m: {"しょう": "小", "ちゅう": "中", "こう": "高"}[m.group(1)], text)
    text = text.replace("〜", "~").replace("ヵ月", "か月").replace("歳じ", "歳児").replace("歳はん", "歳半")
    text = re.sub(r"(?<=\d)(?:h|hr|hrs|H)(?![a-zA-Z])", "時間", text)  # 月80h
    text = _AGE_IN_BRACKETS.sub(r"\1(\2歳)", text)
    text = _NATIVE_AGE.sub(r"\1歳", text)
    return _SHARED_COUNTER.sub(r"\1歳", text)


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


# --- children: readings -----------------------------------------------------------------------------

_BIRTH_SUFFIX = r"(?:生まれ|生|産まれ|に生まれ|に産まれ|誕生|出生)"
# A school year or stage that bounds a rule (小学1年生から6年生まで, 中学生までの医療費) names no child.
_NOT_A_LIMIT = r"(?!生?(?:から|まで|以上|以下|未満|の年代|年代))"
_ENTERED = r"(?:上がった|あがった|入った|入学した|入りました|上がりました|入学しました|進学した|進学しました)"
_CHILD_PATTERN = re.compile(
    "|".join(
        [
            rf"(?P<wy>(?:19|20)\d{{2}})(?:(?P<wfy>年度)|(?:年|[/.-])(?:(?P<wm>\d{{1,2}})(?:月|[/.-])?(?:(?P<wd>\d{{1,2}})日?)?)?){_BIRTH_SUFFIX}",
            rf"(?P<era>{ERA_NAMES}|[{ERA_LETTERS}])(?P<ey>元|\d{{1,2}})(?:(?P<efy>年度)|(?:年|[/.])?(?:(?P<em>\d{{1,2}})(?:月|[/.])?(?:(?P<ed>\d{{1,2}})日?)?)?){_BIRTH_SUFFIX}",
            r"(?P<rel>一昨年|去年|昨年|今年)(?:の(?P<rm>\d{1,2})月)?(?:に)?(?:生まれ|産まれ)",
            rf"(?P<entered>(?:今年|この春|今春|今年度)?(?:の(?:春|4月))?(?:に|から)?(?P<elevel>小学校|小学|中学校|中学|高校|大学)(?:に|へ)?{_ENTERED})",
            r"(?P<nextschool>(?:来年度|来年|再来年度|再来年|来春|この春|今年の春|今年|春|4月)(?:から|に|の春から)?(?:は)?(?:小学校|小学生|1年生|ピカピカの1年生))",
            r"(?P<nextlevel>(?:来年度|来年|来春|春|4月)(?:から|に)?(?:は)?(?P<level>中学|高校|大学)(?:生|校)?)",
            r"(?P<nextk>(?:来年度|来年|再来年度|来春|春|4月)(?:から|に)?(?:は)?(?P<kl>年少|年中|年長)(?:さん)?(?:に|へ)?(?:なる|上がる|進級))",
            r"(?P<turn_when>来月|再来月|来週|もうすぐ|近々|今月|今年度(?:中に|中|内に|で)?|今年|もう少しで|じきに)?(?P<turn>\d{1,2})(?:歳|才)(?:に|を)?(?:なる|迎える|なります)(?!ばかり|た)",
            rf"生後(?P<pm>\d{{1,2}}){_MONTHS}|生まれて(?P<sm>\d{{1,2}}){_MONTHS}|(?P<bm>\d{{1,2}}){_MONTHS}(?=の|と|、|,|です|で|が|\)|双子|児|半)",
            # Not an age of a child here: a range (0~2歳), a limit (18歳まで), a condition (3歳になったら), 3歳児健診.
            rf"(?<![~\-])(?P<ay>\d{{1,2}})(?:歳|才)(?P<half>半)?(?:(?P<am>\d{{1,2}}){_MONTHS})?(?P<classword>児クラス|クラス|児(?!童))?"
            r"(?!まで|以上|未満|以下|から|到達|の年度|年度|になった後|に達|の誕生日|を過ぎ|を超え|差|になったら|になれば|になると"
            r"|以降|以前|頃|ころ|健診|検診|健康診査)",
            rf"(?P<uni>大学院|大学|短大|短期大学|専門学校|専門|高専)(?P<uy>\d)年(?:生)?{_NOT_A_LIMIT}",
            rf"(?P<univ>大学院生|大学生|短大生|専門学校生|専門学生|専門学校に通|浪人生|浪人中){_NOT_A_LIMIT}",
            rf"(?P<school>小学校|小学|中学校|中学|高校|高等学校)(?P<sy>\d)年(?:生)?(?!の壁){_NOT_A_LIMIT}",
            rf"(?P<sshort>[小中高])(?P<sn>\d)(?!時間|日|回|か月|人|歳|才|年|万|千|週|の壁|ギャップ|プロブレム){_NOT_A_LIMIT}",
            r"(?:小学校|小学)?の?(?P<gband>低学年|中学年|高学年)",
            rf"(?P<stage>小学生|中学生|高校生|小学校に通|中学校に通|高校に通|幼稚園児|保育園児|未就学児|未満児|以上児){_NOT_A_LIMIT}",
            r"(?P<kclass>年少々|年少|年中|年長)(?:さん|組|クラス|児)?(?!から|まで)",
            r"(?P<baby>新生児|赤ちゃん|赤ん坊|乳児|0歳児|生まれたばかり|産まれたばかり)",
            r"(?P<adult>社会人|就職して(?:独立|自立)|独立して|働いて(?:いる|る)(?:長|次)?(?:男|女))",
            # A school year without its level (1年生, 小学校4年と2年) takes the level named before it.
            rf"(?<![小中高大\d年/.RHS])(?<!令和|平成|昭和)(?P<gy>\d)年(?P<gysei>生)?(?!度|目|前|後|間|半|以|ほど|くらい|ぶり|月|\d){_NOT_A_LIMIT}",
        ]
    )
)
_LEVEL_BEFORE = re.compile(
    r"小学校|小学|中学校|中学|高等学校|高校|大学院|大学|短大|専門学校|専門|高専|[小中高](?=\d)"
)
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
    "未満児": (0, 2, "未満児（0〜2歳児クラス）"),
    "以上児": (3, 5, "以上児（3〜5歳児クラス）"),
    "大学生": (18, 21, "大学生"),
    "大学院生": (22, 23, "大学院生"),
    "短大生": (18, 19, "短大生"),
    "専門学校生": (18, 19, "専門学校生"),
    "専門学生": (18, 19, "専門学校生"),
    "専門学校に通": (18, 19, "専門学校生"),
    "浪人生": (18, 19, "浪人生"),
    "浪人中": (18, 19, "浪人生"),
}
_UNIVERSITY_START = {
    "大学院": 21,
    "大学": 17,
    "短大": 17,
    "短期大学": 17,
    "専門学校": 17,
    "専門": 17,
    "高専": 14,
}
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
# The last grade of each level (大学 up to 6 for medicine; other levels without an entry have 3).
_MAX_GRADE = {
    "小学校": 6,
    "小学": 6,
    "小": 6,
    "大学": 6,
    "大学院": 5,
    "高専": 5,
    "専門学校": 4,
    "専門": 4,
    "短大": 3,
}
_LEVEL_FIRST_COHORT = {"小学": 6, "中学": 12, "高校": 15, "大学": 18}
_KINDERGARTEN_CLASSES = {"年少々": 2, "年少": 3, "年中": 4, "年長": 5}


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


def _level_before(text: str, position: int) -> str | None:
    """Return the school level named last before `position` in its sentence (小学, 中学, 高校 …)."""
    sentence_start = max(text.rfind(ch, 0, position) for ch in "。!?\n") + 1
    levels = list(_LEVEL_BEFORE.finditer(text, sentence_start, position))
    return levels[-1].group(0) if levels else None


def _read_match(m: re.Match[str], text: str, on: date) -> tuple[ChildReading, str] | None:
    """Read one match as a child and its kind: age, date, baby, cohort, stage or status."""
    basis = m.group(0)
    if m.group("wy") or m.group("era") or m.group("rel"):
        if m.group("rel"):
            year, month, day = (
                on.year - {"一昨年": 2, "去年": 1, "昨年": 1}.get(m.group("rel"), 0),
                m.group("rm"),
                None,
            )
        elif m.group("wy"):
            year, month, day = int(m.group("wy")), m.group("wm"), m.group("wd")
        else:
            year, month, day = western_year(m.group("era"), m.group("ey")), m.group("em"), m.group("ed")
        if m.group("wfy") or m.group("efy"):  # 2016年度生まれ: born in the school year, 2 April to 1 April
            window: tuple[date, date] | None = (date(year, 4, 2), date(year + 1, 4, 1))
        else:
            window = _date_window(year, int(month) if month else None, int(day) if day else None)
        child = _window_child(*window, on, basis) if window else None
        return (child, "date") if child else None
    if m.group("entered"):
        elevel = m.group("elevel")[:2]
        cohort = _LEVEL_FIRST_COHORT[elevel]
        return _cohort_child(cohort, cohort, on, basis, cohort_label(cohort)), "cohort"
    if m.group("nextschool") or m.group("nextlevel") or m.group("nextk"):
        word = m.group("nextschool") or m.group("nextlevel") or m.group("nextk")
        if m.group("nextk"):
            first = _KINDERGARTEN_CLASSES[m.group("kl")]
        else:
            first = _LEVEL_FIRST_COHORT[m.group("level")] if m.group("nextlevel") else 6
        cohort = _entry_cohort(word, on, first)
        if cohort < 0:
            return None
        return _cohort_child(
            cohort, cohort, on, basis, f"「{basis}」は今年度の{cohort_label(cohort)}"
        ), "cohort"
    if m.group("turn"):
        return _turning(m, on, basis)
    if m.group("pm") or m.group("bm") or m.group("sm"):
        months = int(m.group("pm") or m.group("bm") or m.group("sm"))
        return _age_child(months // 12, on, basis), "age"
    if m.group("ay"):
        age = int(m.group("ay"))
        if m.group("classword"):
            return (_cohort_child(age, age, on, basis, f"{age}歳児クラス"), "cohort") if age <= 5 else None
        return _age_child(age, on, basis), "age"
    if m.group("uni"):
        return _school_child(m.group("uni"), int(m.group("uy")), on, basis)
    if m.group("gband"):
        first = {"低学年": 6, "中学年": 8, "高学年": 10}[m.group("gband")]  # grades 1-2, 3-4, 5-6
        return _cohort_child(first, first + 1, on, basis, f"小学校{m.group('gband')}"), "stage"
    if m.group("univ") or m.group("stage"):
        first, last, label = _STAGE_COHORTS[m.group("univ") or m.group("stage")]
        return _cohort_child(first, last, on, basis, label), "stage"
    if m.group("school") or m.group("sshort"):
        return _school_child(
            m.group("school") or m.group("sshort"), int(m.group("sy") or m.group("sn")), on, basis
        )
    if m.group("kclass"):
        cohort = _KINDERGARTEN_CLASSES[m.group("kclass")]
        return _cohort_child(cohort, cohort, on, basis, f"{m.group('kclass')}の{cohort}歳児クラス"), "cohort"
    if m.group("baby"):
        return _age_child(0, on, basis), "baby"
    if m.group("adult"):
        born_from, born_to = window_for_cohort(29, on)[0], window_for_cohort(18, on)[1]
        low, high = age_range(born_from, born_to, on)
        return ChildReading(
            low, high, basis, born_from, born_to,
            f"{basis}の子は、親が生活費を負担していないものとして児童手当では数えませんでした。", supported=False,
        ), "status"  # fmt: skip
    if m.group("gy"):
        level = _level_before(text, m.start())
        if level is None and not m.group("gysei"):
            return None  # 「2年」 alone is a duration unless a school level was named before it
        return _school_child(level or "小学", int(m.group("gy")), on, basis)
    return None


def _school_child(level: str, grade: int, on: date, basis: str) -> tuple[ChildReading, str] | None:
    start = _SCHOOL_START.get(level, _UNIVERSITY_START.get(level))
    if start is None or not 1 <= grade <= _MAX_GRADE.get(level, 3):
        return None
    name = {"短期大学": "短大", "専門": "専門学校"}.get(level, level)
    label = cohort_label(start + grade) if level in _SCHOOL_START else f"{name}{grade}年生"
    return _cohort_child(start + grade, start + grade, on, basis, label), "cohort"


def _turning(m: re.Match[str], on: date, basis: str) -> tuple[ChildReading, str]:
    age = int(m.group("turn"))
    when = m.group("turn_when") or ""
    if when in ("来月", "再来月", "来週", "もうすぐ", "近々", "もう少しで", "じきに"):
        return _age_child(max(age - 1, 0), on, basis), "age"
    if when.startswith("今年度"):
        label = f"今年度{age}歳になる子（{cohort_label(age - 1)}）"
        return _cohort_child(age - 1, age - 1, on, basis, label), "cohort"
    young = _age_child(max(age - 1, 0), on, basis)
    return ChildReading(
        young.age_min, age, basis, window_for_age(age, on)[0], young.born_to,
        f"{basis}子は、誕生日の前後で{max(age - 1, 0)}歳か{age}歳として計算しました。",
    ), "age"  # fmt: skip


# --- children: mentions -----------------------------------------------------------------------------

# Words that name one particular child; after a clause break they start another child (下の子, 次女 …).
_CHILD_HEAD = re.compile(
    rf"{_CHILD_NAMES}|上の子|下の子|真ん中|一番上|いちばん上|一番下|いちばん下|その下|末の子|上が|上は|下が|下は|次が|次は"
    r"|子ども|子供|男の子|女の子|お兄ちゃん|お姉ちゃん|兄|姉|弟|妹"
)
_CHILD_WORD = re.compile(rf"{_CHILD_HEAD.pattern}|子")
_PARENT_WORD = re.compile(
    r"私|僕|自分|夫|妻|主人|旦那|パパ|ママ|父親|母親|父|母|祖父|祖母|おじいちゃん|おばあちゃん|義父|義母|本人"
)
_PARENT_AFTER = re.compile(r"^\)?の?(?:母|父|ママ|パパ|私|夫|妻)(?!子)")
_EXPECTING = re.compile(r"妊娠|おなか|お腹|出産予定|予定日|生まれる|産まれる|生まれてくる")
_SENTENCE_END = re.compile(r"[。!?\n]")
_CONJUNCTION = re.compile(r"と|や|・|/|&|及び|および|それと|それに|あと|また")
_CLAUSE_BREAK = re.compile(r"[、,。!?\n・/]|と|や")
# 小学生が2人, 5歳の子が2人, 高校生2人: a count right after a mention (not 2人目, 2人暮らし, 1人ずつ).
_MULTIPLE_AFTER = re.compile(
    r"^\)?(?:の?(?:子ども|子供|子|男の子|女の子|息子|娘|男児|女児))?(?:たち)?(?:が|は|も)?(\d)人(?!目|暮|家族|で暮|世帯|ずつ)"
)
_MULTIPLE_AROUND = re.compile(r"(\d)人\($")  # 子ども2人(小学生)
_MULTIPLE_BEFORE = re.compile(r"(\d)人(?:とも|全員|共)(?:が|は|に)?$")  # 2人とも中学生
_TWINS = re.compile(r"双子|双生児|三つ子|3つ子")


@dataclass
class _Mention:
    """One child as the text mentions it, possibly more than once (大学4年(22歳)); `size` children alike."""

    start: int
    end: int
    child: ChildReading
    kinds: set[str]
    size: int = 1


def _clause(text: str, start: int, end: int) -> tuple[str, str]:
    """Return the clause text before `start` and after `end` (up to the nearest 、。と・ or sentence end)."""
    before = text[:start]
    cut = max((m.end() for m in _CLAUSE_BREAK.finditer(before)), default=0)
    after = text[end:]
    stop = _CLAUSE_BREAK.search(after)
    return before[cut:], after[: stop.start() if stop else len(after)]


def _is_child(text: str, start: int, end: int, child: ChildReading, kind: str) -> bool:
    """False for an age that is a parent's (私(38歳), 40歳の母) or an unborn child (妊娠8か月, 出産予定の子)."""
    before, after = _clause(text, start, end)
    if kind == "baby" or (kind == "age" and child.age_max == 0):
        if _EXPECTING.search(before):
            return False
    if kind not in ("age", "date"):
        return True
    parent = list(_PARENT_WORD.finditer(before))
    if parent and not _CHILD_HEAD.search(before[parent[-1].end() :]):
        return False
    if _PARENT_AFTER.match(text[end:]):
        return False
    return child.age_min <= OLDEST_CHILD_AGE or bool(_CHILD_WORD.search(before + after))


def _boundary(gap: str) -> str:
    """How the words between two readings separate them: same (one child), weak (only a comma) or strong."""
    if _SENTENCE_END.search(gap) or _CONJUNCTION.search(gap):
        return "strong"
    for head in _CHILD_HEAD.finditer(gap):
        if head.start() > 0 and gap[head.start() - 1] not in "の(":
            return "strong"  # 5歳で下の子が…: another child named after a clause
    return "weak" if re.search(r"[、,]", gap) else "same"


def _names_own_child(text: str, last: _Mention, match: re.Match[str]) -> bool:
    """True when the clauses of both readings name a child of their own (長男は中3、14歳の次男)."""
    before = _clause(text, last.start, last.end)
    after = _clause(text, match.start(), match.end())
    return any(_CHILD_HEAD.search(part) for part in before) and any(
        _CHILD_HEAD.search(part) for part in after
    )


def _joins(mention: _Mention, child: ChildReading, kind: str) -> bool:
    """True when `child` can be the same child as `mention`: overlapping births, a different kind of reading."""
    if max(mention.child.born_from, child.born_from) > min(mention.child.born_to, child.born_to):
        return False
    if kind not in mention.kinds:
        return True
    return kind == "cohort" and child.class_age is not None and child.class_age == mention.child.class_age


def _join(mention: _Mention, child: ChildReading, kind: str, text: str, end: int, on: date) -> None:
    born_from = max(mention.child.born_from, child.born_from)
    born_to = min(mention.child.born_to, child.born_to)
    low, high = age_range(born_from, born_to, on)
    old = mention.child
    narrow = min((old, child), key=lambda c: (c.age_max - c.age_min, c.born_to - c.born_from))
    # An exact age or birth date makes the school-year assumption unnecessary.
    assumption = "" if {"age", "date"} & (mention.kinds | {kind}) else narrow.assumption
    basis = text[mention.start : end]
    if basis.count("(") > basis.count(")") and text[end : end + 1] == ")":
        basis += ")"  # 大学4年(22歳): the bracket closes after the age
    mention.child = ChildReading(
        low, high, basis, born_from, born_to, assumption, old.supported and child.supported,
        old.class_age if old.class_age is not None else child.class_age,
    )  # fmt: skip
    mention.kinds.add(kind)
    mention.end = end


def _mentions(text: str, on: date, weak_joins: bool) -> list[_Mention]:
    mentions: list[_Mention] = []
    for match in _CHILD_PATTERN.finditer(text):
        read = _read_match(match, text, on)
        if read is None or not _is_child(text, match.start(), match.end(), *read):
            continue
        child, kind = read
        if mentions:
            last = mentions[-1]
            boundary = _boundary(text[last.end : match.start()])
            if boundary == "weak" and _names_own_child(text, last, match):
                boundary = "strong"  # 長男は中3、14歳の次男: each side names its child
            if (boundary == "same" or (boundary == "weak" and weak_joins)) and _joins(last, child, kind):
                _join(last, child, kind, text, match.end(), on)
                continue
        mentions.append(_Mention(match.start(), match.end(), child, {kind}))
    for index, mention in enumerate(mentions):
        mention.size = _size(text, mentions[:index], mention)
    _twins(text, mentions)
    return _drop_elaborated(text, mentions)


def _size(text: str, earlier: list[_Mention], mention: _Mention) -> int:
    """How many children a mention stands for: 小学生が2人, 子ども2人(小学生), 2人とも中学生."""
    more = _MULTIPLE_AFTER.match(text[mention.end :])
    if more and 1 < int(more.group(1)) <= 9:
        # 小2と小5の2人: a count after a list of as many mentions is their total.
        # (中学生1人、小学生2人: counted one by one, each count is its own.)
        listed = [m for m in earlier if not _SENTENCE_END.search(text[m.end : mention.start])]
        counted = any(_MULTIPLE_AFTER.match(text[m.end :]) for m in listed)
        return 1 if not counted and int(more.group(1)) == len(listed) + 1 else int(more.group(1))
    around = _MULTIPLE_AROUND.search(text[: mention.start])
    if around and text[mention.end : mention.end + 1] == ")":
        return int(around.group(1))
    before, _ = _clause(text, mention.start, mention.end)
    together = _MULTIPLE_BEFORE.search(text[: mention.start]) or _MULTIPLE_BEFORE.search(before)
    return int(together.group(1)) if together else 1


def _twins(text: str, mentions: list[_Mention]) -> None:
    """Give the mention nearest to 双子 / 三つ子 in the same sentence two (three) children."""
    for twins in _TWINS.finditer(text):
        size = 2 if twins.group(0) in ("双子", "双生児") else 3
        start = max(text.rfind(ch, 0, twins.start()) for ch in "。!?\n") + 1
        stop = _SENTENCE_END.search(text, twins.end())
        end = stop.start() if stop else len(text)
        near = [m for m in mentions if start <= m.start and m.end <= end]
        if not near:  # 双子です。どちらも2020年10月生まれ。: the next sentence names them
            stop = _SENTENCE_END.search(text, end + 1)
            near = [m for m in mentions if end < m.start and m.end <= (stop.start() if stop else len(text))][
                :1
            ]
        # The twins are the children not set apart from the word by と・や (中学生2人(双子)と小学生1人).
        joined = [
            m
            for m in near
            if not _CONJUNCTION.search(text[min(m.end, twins.end()) : max(m.start, twins.start())])
        ]
        near = joined or near
        if near:
            nearest = min(near, key=lambda m: max(m.start - twins.end(), twins.start() - m.end, 0))
            nearest.size = max(nearest.size, size)


def _drop_elaborated(text: str, mentions: list[_Mention]) -> list[_Mention]:
    """Drop a school stage given with a bracketed list of its children: 小学生の娘が2人(小2と小4)."""
    kept: list[_Mention] = []
    for index, mention in enumerate(mentions):
        following = mentions[index + 1 :]
        if mention.kinds == {"stage"} and following:
            gap = text[mention.end : following[0].start]
            close = text.find(")", following[0].start)
            inner = [m for m in following if close >= 0 and m.end <= close + 1]
            if (
                gap.endswith("(")
                and not _SENTENCE_END.search(gap)
                and inner
                and all(_joins(mention, m.child, "cohort") or m.kinds != {"stage"} for m in inner)
                and all(
                    mention.child.born_from <= m.child.born_from and m.child.born_to <= mention.child.born_to
                    for m in inner
                )
            ):
                continue
        kept.append(mention)
    return kept


def _read_children(text: str, on: date, stated: int | None = None) -> list[ChildReading]:
    mentions = _mentions(text, on, weak_joins=True)
    if stated is not None and sum(m.size for m in mentions) != stated:
        # 「大学4年生、22歳」 is one child unless the stated number of children says they are two.
        apart = _mentions(text, on, weak_joins=False)
        if sum(m.size for m in apart) == stated:
            mentions = apart
    children = [m.child for m in mentions for _ in range(m.size)]
    # Oldest first: the earliest possible birth date, then the latest (stable for equal windows).
    return sorted(children, key=lambda c: (c.born_from, c.born_to))


_COUNT_PATTERNS = [
    re.compile(r"子(?:ども|供|どもたち|供たち)?(?:が|は|も)?(?:全部で)?(\d)人(?!目|暮|家族|で暮|世帯)"),
    re.compile(r"(\d)人の(?:子|こども|子ども|子供|娘|息子)"),
    re.compile(r"(\d)人?(?:きょうだい|兄弟|姉妹|兄妹|姉弟)"),
    re.compile(r"(\d)児の(?:母|父|ママ|パパ|親)"),
    re.compile(r"の(\d)人(?:です|います|いる|で(?!暮)|の|を|がい|$)"),
]


def _stated_count(text: str) -> int | None:
    counts = [int(m.group(1)) for pattern in _COUNT_PATTERNS for m in pattern.finditer(text)]
    return max(counts) if counts else None


def read_household(text: str, reference_date: date) -> HouseholdReading:
    """Read the children (oldest first) and the parents from a Japanese description, on `reference_date`."""
    normalised = normalise_description(text)
    stated = _stated_count(normalised)
    return HouseholdReading(
        text=normalised,
        reference_date=reference_date,
        children=_read_children(normalised, reference_date, stated),
        parents=read_parents(normalised),
        stated_count=stated,
    )


def read_child(description: str, reference_date: date) -> ChildReading:
    """Read one child from a short description (中3, 2019-05-01, 令和2年4月1日, 4歳, 年長); ValueError if unclear."""
    text = normalise_description(description)
    children = _read_children(text, reference_date)
    if not children and re.search(
        r"\d", text
    ):  # a bare date in a form field: 2019-05-01, R3.5.10, 令和2年4月1日
        children = _read_children(text + "生まれ", reference_date)
    if len(children) != 1:
        raise ValueError(f"子どもの年齢・学年・生年月日として読めません: {description}")
    return children[0]
