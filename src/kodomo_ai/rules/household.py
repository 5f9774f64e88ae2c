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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from kodomo_ai.rules import ages
from kodomo_ai.rules.household_mentions import (
    CHILD_NAMES,
    OLDEST_CHILD_AGE,
    Reading,
    _Mention,
    build_mentions,
    corefer,
    is_child,
    share_count,
)
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
from kodomo_ai.text.eras import ERA_LETTERS, ERA_NAMES, ERAS, western_year
from kodomo_ai.text.kana import fold_half_width_kana, spell_numbers, spell_words
from kodomo_ai.text.numbers import counted_numerals, kanji_to_int, replace_numerals

__all__ = [
    "MONTHS_PER_YEAR",
    "OLDEST_CHILD_AGE",
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
    "ひかぜい": "非課税", "いくきゅう": "育休", "にゅうがく": "入学", "いちにち": "1日",
}  # fmt: skip
# 月 too, for 和暦 dates written in kanji numerals (平成二十八年十一月三日).
_NUMERAL = counted_numerals(r"人|歳|才|時間|時|日|か月|ヶ月|カ月|ケ月|箇月|月|年|週|回|児|子|つ子|つ")
_SCHOOL_NUMERAL = re.compile(r"(?<=[小中高])([一二三四五六])(?![一-龥])")
_LEVEL_KANA = re.compile(r"(しょう|ちゅう|こう)(?=\d)")
_MONTHS = r"(?:か月|ヶ月|カ月|ケ月|箇月|ヵ月)"
_CHILD_NAMES = CHILD_NAMES
# 長男（12）: a bare number in brackets after a child is its age; 5つ: the native count of a small child's age;
# 15、13、3歳: one counter after a list of numbers counts them all.
_AGE_IN_BRACKETS = re.compile(
    rf"({_CHILD_NAMES}|子|ちゃん|くん|年少|年中|年長|[小中高]\d|年生)\((\d{{1,2}})\)"
)
# The copula after it may be a dialect's (6つだ, 3つや, 5つじゃ, 4つたい).
_NATIVE_AGE = re.compile(
    r"(?<!\d)(\d{1,2})つ(?=[とで、。,)]|です|だ(?!け)|や|じゃ|たい|ばい"
    r"|の(?:子|娘|息子|男の子|女の子|姉妹|兄弟|姉弟|兄妹)|$)"
)
# 長男(17・高2), 子(小2・8): in a member list, a bare number among the facts bracketed after a child is its age.
# 長女15(中3), 長男10、: in a caseworker's note a bare number right after a child's name is its age.
_AGE_AFTER_NAME = re.compile(rf"({_CHILD_NAMES})(\d{{1,2}})(?=[(、,・/]|$)")
_CHILD_BRACKET = re.compile(rf"((?:{_CHILD_NAMES}|子ども|子供|子|ちゃん|くん)\()([^()]{{1,20}})\)")
_BRACKET_ITEM = re.compile(r"(?<![^(・、,/])(\d{1,2})(?=[・、,/]|$)")
_SHARED_COUNTER = re.compile(
    r"(?<![\d.一-龥A-Za-z])(\d{1,2})(?=(?:[、,・と]\d{1,2})*[、,・と]\d{1,2}(?:歳|才))"
)

# 上から15、12、8: numbers listed in birth order with no counter are ages (the counter is left out).
_ORDERED_AGES = re.compile(
    r"((?:上|下)から(?:順に)?:?\d{1,2}(?:[、,・]\d{1,2})+)(?![\d.歳才か年人月日時分週回万円])"
)

# ①②③ number the items of a list; NFKC would turn them into digits glued to the next number (④0歳児 → 40歳児).
_CIRCLED = re.compile(r"[\u2460-\u249b\u24ea-\u24ff\u2776-\u2793]")
_MIXED_LEVEL = re.compile(r"(?<=[小中])がく(?=\d|せい|生|校|年)")  # 中がく3年: kanji and kana mixed
_HALF_HOUR = re.compile(r"(\d+)時間半")
_HOURS_MINUTES = re.compile(r"(\d+)時間(\d{1,2})分")


def _bracket_ages(m: re.Match[str]) -> str:
    facts = m.group(2)
    if not re.search(r"[・、,/]", facts):
        return m.group(0)  # 長男(12) alone is read by _AGE_IN_BRACKETS
    return m.group(1) + _BRACKET_ITEM.sub(r"\1歳", facts) + ")"


# Counters of working time spelled in kana after a digit (しゅう5で 1にち 8じかん, 週3かい).
_NATIVE_DAYS = {"ふつか": 2, "みっか": 3, "よっか": 4, "いつか": 5, "むいか": 6}
# しゅう よっか: days counted natively after a week (ふつか … むいか).
_NATIVE_WEEK_DAYS = re.compile(rf"(しゅう|週)(に)?({'|'.join(_NATIVE_DAYS)})")
_KANA_WORK = [
    (re.compile(r"しゅう(?=に?\d)"), "週"),
    (re.compile(r"(?<![ぁ-ゖ])つき(?=に?\d)"), "月"),
    (re.compile(r"(?<=\d)にち"), "日"),
    (re.compile(r"(?<=\d)かい(?![ぁ-ゖ])"), "回"),
]


def _hours(m: re.Match[str]) -> str:
    return f"{int(m.group(1)) + int(m.group(2)) / 60:g}時間"


# 小1から小3までの3人: a range of school years with as many children as years is one child in each year.
_RANGE_END = r"(?:小学校|小学|中学校|中学|高校|[小中高])?\d(?:年生|年)?|年少|年中|年長|[0-5]歳児(?:クラス)?"
_COUNTED_RANGE = re.compile(rf"({_RANGE_END})(?:から|~|-)({_RANGE_END})(?:まで)?(の|で|、|,)?(\d)人")
_RANGE_LEVEL = re.compile(r"(小学校|小学|中学校|中学|高校|[小中高])?(\d)(?:年生|年)?$")


def _range_cohort(word: str, level: str | None) -> tuple[int | None, str | None]:
    """The クラス年齢 of one end of a range, and its school level (the second end may leave it out)."""
    if word in _KINDERGARTEN_CLASSES:
        return _KINDERGARTEN_CLASSES[word], None
    if "歳児" in word:
        return int(word[0]), None
    m = _RANGE_LEVEL.match(word)
    named = m.group(1) if m else None
    if m is None or (named or level) is None:
        return None, None
    return _SCHOOL_START[named or level or ""] + int(m.group(2)), named or level


def _expand_counted_range(m: re.Match[str]) -> str:
    first, level = _range_cohort(m.group(1), None)
    last, _ = _range_cohort(m.group(2), level)
    count = int(m.group(4))
    if first is None or last is None or abs(last - first) + 1 != count or count < 2:
        return m.group(0)
    low, high = sorted((first, last))
    listed = "、".join(cohort_label(c) for c in range(high, low - 1, -1))
    return f"{listed}{m.group(3) or 'の'}{count}人"


def normalise_description(text: str) -> str:
    """NFKC; hiragana school words and counted numbers as written; kanji numerals as digits; no spaces."""
    text = fold_half_width_kana(_CIRCLED.sub("、", text))
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    text = spell_numbers(spell_words(_MIXED_LEVEL.sub("学", text), _KANA_WORDS))
    text = _NATIVE_WEEK_DAYS.sub(
        lambda m: f"{m.group(1)}{m.group(2) or ''}{_NATIVE_DAYS[m.group(3)]}日", text
    )
    for pattern, written in _KANA_WORK:
        text = pattern.sub(written, text)
    text = replace_numerals(text, _NUMERAL)
    text = _HALF_HOUR.sub(r"\1.5時間", _HOURS_MINUTES.sub(_hours, text))
    text = re.sub(r"(生後|生まれて)半年", r"\g<1>6か月", text)
    text = _SCHOOL_NUMERAL.sub(lambda m: str(kanji_to_int(m.group(1))), text)
    text = _LEVEL_KANA.sub(lambda m: {"しょう": "小", "ちゅう": "中", "こう": "高"}[m.group(1)], text)
    text = text.replace("〜", "~").replace("ヵ月", "か月").replace("歳じ", "歳児").replace("歳はん", "歳半")
    text = text.replace("歳児くらす", "歳児クラス")
    text = re.sub(r"(?<=\d)(?:h|hr|hrs|H)(?![a-zA-Z])", "時間", text)  # 月80h
    text = _COUNTED_RANGE.sub(_expand_counted_range, text)
    text = _AGE_IN_BRACKETS.sub(r"\1(\2歳)", text)
    text = _CHILD_BRACKET.sub(_bracket_ages, text)
    text = _AGE_AFTER_NAME.sub(r"\1\2歳", text)
    text = _NATIVE_AGE.sub(r"\1歳", text)
    text = _ORDERED_AGES.sub(r"\1歳", text)
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
# So does one reached as a condition (中学生になるまで, 小学校に上がったら, 小1になると).
_NOT_A_LIMIT = (
    r"(?!生?(?:から|まで|以上|以下|未満|の年代|年代)"
    r"|生?(?:に|へ)(?:なる|上がる|あがる|入る|進む)(?:まで|と|なら)|生?(?:に|へ)(?:なった|上がった|入った)ら)"
)
_ENTERED = (
    r"(?:上がった|あがった|入った|入学した|入りました|上がりました|入学しました|進学した|進学しました|なった|なりました"
    r"|上がって|入って|入学して|進学して|なって|通い始め|通いはじめ"
    # 今年の4月に中学校に入学し、…: the same step in the form that joins two clauses.
    r"|(?:入学|進学)し(?=[、,])|(?:上がり|入り)(?=[、,]))"
)
_NEXT_CLASS = r"(?:年少々|年少|年中|年長|[0-5]歳児クラス|[0-5]歳児)(?:さん|組|クラス)?"
_STEP_VERB = r"(?:なる|なります|上がる|上がります|進級)"
_GRADUATION_WHEN = (
    "再来年度末|再来年度|再来年の春|再来年3月|再来年|再来春|今年度末|今年度|来年度末|来年度|来春|来年の春|来年3月|来年"
    "|この春|今春|今年の春|今年3月|3月"
)
_GRADUATED_WHEN = "今年の3月|今年3月|この3月|この春|今春|今年の春|去年の3月|去年3月|昨年の3月|昨年3月|去年の春|昨春|昨年度末|昨年度"
# The time of a step to come: the coming April, or the April said (今年の4月 said before it is past).
_COMING = (
    "来年度|来年の4月|来年の春|来年|再来年度|来春|来月|今度の4月|今度の春|次の4月|次の春|今年の4月|今年の春"
    "|この4月|この春|春|4月"
)
_YEAR_LEVEL = r"小学校|小学|中学校|中学|高校|[小中高]"
_ATTENDED = {
    "小学校": "小学生",
    "中学校": "中学生",
    "高校": "高校生",
    "幼稚園": "幼稚園児",
    "保育園": "保育園児",
    "大学": "大学生",
}
_PLACES = "|".join(_ATTENDED)
_FUTURE = re.compile(r"^(?:します|する|予定|見込み|の予定|となります|になります|です)")
# A step named with a past form happened at the last 1 April (4月から中学生になった).
_PAST_STEP = re.compile(
    r"^(?:に|へ)?(?:なった|なりました|なって|上がった|上がりました|入った|入学した|入学しました|進学した)"
)
_CHILD_PATTERN = re.compile(
    "|".join(
        [
            rf"(?P<wy>(?:19|20)\d{{2}})(?:(?P<wfy>年度)|(?:年|[/.-])(?:(?P<wm>\d{{1,2}})(?:月|[/.-])?(?:(?P<wd>\d{{1,2}})日?)?)?){_BIRTH_SUFFIX}",
            rf"(?P<era>{ERA_NAMES}|[{ERA_LETTERS}])(?P<ey>元|\d{{1,2}})(?:(?P<efy>年度)|(?:年|[/.])?(?:(?P<em>\d{{1,2}})(?:月|[/.])?(?:(?P<ed>\d{{1,2}})日?)?)?){_BIRTH_SUFFIX}",
            r"(?P<rel>一昨年|去年|昨年|今年)(?:の(?P<rm>\d{1,2})月)?(?:に)?(?:生まれ|産まれ)",
            rf"(?P<entered>(?P<ewhen>今年度|今年|この春|今春|この4月|一昨年度|一昨年|おととし|昨年度|昨年|去年|昨春|\d年前)?(?:の(?:春|4月))?(?:に|から|で)?(?P<elevel>小学校|小学|中学校|中学|高校|大学)(?:生)?(?:に|へ)?{_ENTERED}(?!ら))",
            # 今年の3月に高校を卒業した: the first year after the level, counted from that March.
            rf"(?P<gdone>(?P<gdwhen>{_GRADUATED_WHEN})(?:に|で)?(?P<gdlevel>小学校|小学|中学校|中学|高校)(?:を)?卒業(?=し(?:て|た|まし)|、|。|済|$))",
            # 中学校を今年度で卒業予定: in the last year of the level.
            rf"(?P<grad>(?:(?P<gwhen>{_GRADUATION_WHEN})(?:で|に|には)?)?(?P<glevel>小学校|小学|中学校|中学|高校)(?:を)?"
            rf"(?:(?P<gwhen2>{_GRADUATION_WHEN})(?:で|に|には)?)?卒業(?!まで|後|生|式|証|し(?!ます)|する(?:まで|と|前|時|とき|なら))"
            # 高校を出るのは来年度: the time said after the graduation.
            rf"(?:(?:する|予定)?(?:のは|は)(?P<gwhen3>{_GRADUATION_WHEN}))?)",
            # 先月生まれ, 4月に生まれた: a birth this past year named by its month or as recent.
            # 去年の冬に生まれ, 2021年の春生まれ: a birth in a season (春 3-5月, 夏 6-8月, 秋 9-11月, 冬 12-2月).
            r"(?P<season>(?:(?P<season_y>(?:19|20)\d{2})年の?|(?P<season_rel>この|今年の|去年の|昨年の|一昨年の))?(?P<sname>春|夏|秋|冬))(?:に)?(?:生まれ|産まれ)",
            r"(?P<recent>先月|今月|先週|今週|先日|この前|つい最近|最近)(?:に)?(?:生まれ|産まれ)|(?<![\d年/.])(?P<lm>\d{1,2})月に(?:生まれ|産まれ)(?:た|ました)",
            r"(?:生後|生まれて)(?P<pw>\d{1,3})(?:週間|週|日)",
            r"(?P<bday>今日|本日)(?:が|で|は)?(?:ちょうど)?(?P<bage>\d{1,2})(?:歳|才)の誕生日",
            # もうすぐ3歳, 来月で1歳になる: not yet that age.
            r"(?P<soon>来月|再来月|来週|もうすぐ|もうじき|近々|もう少しで|じきに|まもなく|間もなく|あと\d{1,2}(?:か月|日|週間)で)(?:で|に|には)?(?P<sage>\d{1,2})(?:歳|才)(?!児|まで|以上|未満|以下|から)",
            # 来月から小3になる, 4月から小学2年生, 来年は中1: a school year of the coming April (a step to come).
            rf"(?P<nextyear>(?P<nywhen>{_COMING})(?:から(?:は)?(?P<nylevel>{_YEAR_LEVEL})(?P<nyn>\d)(?:年生|年)?(?:(?:に|へ){_STEP_VERB})?"
            rf"|(?:に|で|には)?(?P<nylevel2>{_YEAR_LEVEL})(?P<nyn2>\d)(?:年生|年)?(?:に|へ){_STEP_VERB}"
            rf"|(?:は|には)(?P<nylevel3>{_YEAR_LEVEL})(?P<nyn3>\d)(?:年生|年)?(?=です|だ|や|に|で|、|,|。|$)))",
            # 4年生に上がる前に: a non-past step with no time is the coming April's (not a limit: まで, と, なら).
            rf"(?P<stepyear>(?<!\d)(?P<sylevel>{_YEAR_LEVEL})?(?P<syn>\d)(?(sylevel)(?:年生|年)?|年生)(?:に|へ)"
            r"(?:なる|なります|上がる|上がります|進級する|進級します)(?!まで|と|なら))",
            r"(?P<nextschool>(?:来年度|来年|再来年度|再来年|来春|この春|今年の春|今年|今度の春|今度の4月|今度|次の春|次の4月|春|4月)(?:から|に|の春から)?(?:は)?(?:小学校|小学生|1年生|ピカピカの1年生))(?!を?(?:卒業|中退))",
            r"(?P<nextlevel>(?:来年度|来年|来春|この春|今春|今年の春|今年度|今年|今度の春|今度の4月|今度|次の春|次の4月|春|4月)(?:から|に)?(?:は)?(?P<level>中学|高校|大学)(?:生|校)?)(?!を?(?:卒業|中退))",
            # 4月から2歳児クラス, 今度の4月で年長になる: the class of the coming school year.
            rf"(?P<nextk>(?:来年度|来年の4月|来年の春|来年|再来年度|来春|今度の4月|今度の春|次の4月|今年の4月|今年の春|この4月|この春|今年度|春|4月)"
            rf"(?:から(?:は)?{_NEXT_CLASS}(?:(?:に|へ)?{_STEP_VERB})?|(?:に|には|で|は)?{_NEXT_CLASS}(?:に|へ)?{_STEP_VERB}"
            # 来年は年長: the time as the topic says the class of that year.
            rf"|(?:は|には){_NEXT_CLASS}))",
            # 来年の1月に1歳になります, 3月で6歳になる: a birthday to come in a named month.
            r"(?P<mturn>(?P<mt_next>来年の?)?(?P<mt_month>\d{1,2})月(?:の誕生日)?(?:(?:で|に)(?P<mt_age>\d{1,2})(?:歳|才)"
            r"(?:に)?(?:なる|なります|を迎える|を迎えます)(?!ばかり|た)"
            # 来年1月で2歳です: the age of that month said with a copula is also still to come.
            r"|で(?P<mt_age2>\d{1,2})(?:歳|才)(?=です|だ|や|、|,|。|$)))",
            r"(?P<turn_when>今月|今年度(?:中に|中|内に|で)?|今年)?(?P<turn>\d{1,2})(?:歳|才)(?:に|を)?(?:なる|迎える|なります)(?!ばかり|た)",
            # 今年で5歳: the age reached this year, said without a verb.
            r"(?P<by_when>今年度|今年)(?:で|中に)(?P<by_age>\d{1,2})(?:歳|才)(?!児|まで|以上|未満|以下|から|になった|になりました|の誕生日)",
            rf"(?:{_CHILD_NAMES}|赤ちゃん)(?:は|が)?(?P<nm>\d{{1,2}}){_MONTHS}(?![^。!?\n]{{0,3}}(?:間|後|前))|生後(?P<pm>\d{{1,2}}){_MONTHS}|生まれて(?P<sm>\d{{1,2}}){_MONTHS}|(?P<bm>\d{{1,2}}){_MONTHS}(?=の|と|、|,|です|で|が|\)|双子|児|半)",
            # Not an age of a child here: a range (0~2歳), a limit (18歳まで), a condition (3歳になったら), 3歳児健診.
            rf"(?<![~\-])(?P<ay>\d{{1,2}})(?:歳|才)(?P<half>半)?(?:(?P<am>\d{{1,2}}){_MONTHS})?(?!児(?:健診|検診|健康診査))(?P<classword>児クラス|クラス|児(?!童))?"
            r"(?!まで|以上|未満|以下|から|到達|の年度|年度|になった後|に達|の誕生日|を過ぎ|を超え|差|になったら|になれば|になると"
            r"|以降|以前|頃|ころ|健診|検診|健康診査)",
            rf"(?P<uni>大学院|大学|短大|短期大学|専門学校|専門|高専)(?P<uy>\d)年(?:生)?{_NOT_A_LIMIT}",
            rf"(?P<univ>大学院生|大学生|短大生|専門学校生|専門学生|専門学校に通|浪人生|浪人中){_NOT_A_LIMIT}",
            rf"(?P<school>小学校|小学|中学校|中学|高校|高等学校)(?P<sy>\d)年(?:生)?(?!の壁){_NOT_A_LIMIT}",
            rf"(?P<sshort>[小中高])(?P<sn>\d)(?!時間|日|回|か月|人|歳|才|年|万|千|週|の壁|ギャップ|プロブレム){_NOT_A_LIMIT}",
            r"(?:小学校|小学)?の?(?P<gband>低学年|中学年|高学年)",
            # 保育園と小学校に1人ずつ: places listed before one verb each hold a child.
            rf"(?P<attend>{_PLACES})(?=(?:[、,・と](?:{_PLACES}))*に(?:1人ずつ|ひとりずつ|それぞれ1人|それぞれ)?通(?!わせたい|いたい|え))",
            rf"(?P<stage>小学生|中学生|高校生|(?:小学校|中学校|高校)に通(?!わせたい|いたい|え)|幼稚園児|保育園児|未就学児|未満児|以上児"
            # 保育園に通う: attending, not wishing to (通わせたい).
            r"|(?:幼稚園|保育園|保育所|こども園)に通(?=って|う|い始め|いはじめ|わせて(?:い|る|ます))"
            rf"){_NOT_A_LIMIT}",
            r"(?<![去今来昨毎])(?P<kclass>年少々|年少|年中|年長)(?:さん|組|クラス|児)?(?!から|まで)",
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
    "幼稚園に通": (3, 5, "幼稚園児"),
    "保育園に通": (0, 5, "保育園児"),
    "保育所に通": (0, 5, "保育園児"),
    "こども園に通": (0, 5, "こども園児"),
    "未就学児": (0, 5, "未就学児"),
    "未満児": (0, 2, "未満児（0〜2歳児クラス）"),
    "以上児": (3, 5, "以上児（3〜5歳児クラス）"),
    "大学生": (18, 21, "大学生"),
    "大学院生": (22, 23, "大学院生"),
    "短大生": (18, 19, "短大生"),
    "専門学校生": (18, 19, "専門学校生"),
    "専門学生": (18, 19, "専門学校生"),
    "専門学校に通": (18, 19, "専門学校生"),
    # 浪人: the first year after 高校3年 (no second year assumed, like the school years).
    "浪人生": (18, 18, "浪人生（高校卒業の翌年）"),
    "浪人中": (18, 18, "浪人生（高校卒業の翌年）"),
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
    elif word.startswith("今年度"):
        entry_year = year
    elif word.startswith(("この春", "この4月", "今春", "今年")):
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
        if window and m.group("era"):  # 平成31年 ended on 30 April, 令和元年 began on 1 May
            era_from, era_to = _era_span(m.group("era"))
            if window[0] <= era_to:
                window = (max(window[0], era_from), min(window[1], era_to))
        child = _window_child(*window, on, basis) if window else None
        return (child, "date") if child else None
    if m.group("grad"):
        return _graduating(m, on, basis)
    if m.group("gdone"):
        return _graduated(m, on, basis)
    if m.group("season"):
        return _season_birth(m, on, basis)
    if m.group("recent") or m.group("lm"):
        return _recent_birth(m, on, basis)
    if m.group("pw"):
        return (_age_child(0, on, basis), "age") if int(m.group("pw")) < 365 else None
    if m.group("bday"):
        return _age_child(int(m.group("bage")), on, basis), "age"
    if m.group("soon"):
        age = int(m.group("sage"))
        child = _age_child(max(age - 1, 0), on, basis)
        return replace(child, assumption=f"「{basis}」は今{max(age - 1, 0)}歳として計算しました。"), "age"
    if m.group("entered"):
        elevel = m.group("elevel")[:2]
        cohort = _LEVEL_FIRST_COHORT[elevel] + _years_since(m.group("ewhen") or "", on)
        return _cohort_child(cohort, cohort, on, basis, cohort_label(cohort)), "cohort"
    if m.group("nextyear") or m.group("stepyear"):
        return _coming_year(m, text, on, basis)
    if m.group("mturn"):
        age = int(m.group("mt_age") or m.group("mt_age2"))
        if m.group("mt_next") or int(m.group("mt_month")) != on.month:
            return _age_child(max(age - 1, 0), on, basis), "age"  # the birthday is still to come
        return _turning(age, "", on, basis)
    if m.group("nextschool") or m.group("nextlevel") or m.group("nextk"):
        word = m.group("nextschool") or m.group("nextlevel") or m.group("nextk")
        if m.group("nextk"):
            kl = re.findall(r"年少々|年少|年中|年長|[0-5](?=歳児)", m.group("nextk"))[-1]
            first = int(kl) if kl.isdigit() else _KINDERGARTEN_CLASSES[kl]
        else:
            first = _LEVEL_FIRST_COHORT[m.group("level")] if m.group("nextlevel") else 6
        past = bool(_PAST_STEP.match(text[m.end() :]))
        cohort = first if past else _entry_cohort(word, on, first)
        if cohort == -1:  # 4月から0歳児クラス: born since the last 1 April
            child = _window_child(*window_for_cohort(-1, on), on, basis)
            return (child, "age") if child else None
        if cohort < 0:
            return None
        return _cohort_child(
            cohort, cohort, on, basis, f"「{basis}」は今年度の{cohort_label(cohort)}"
        ), "cohort"
    if m.group("turn"):
        return _turning(int(m.group("turn")), m.group("turn_when") or "", on, basis)
    if m.group("by_age"):
        return _turning(int(m.group("by_age")), m.group("by_when"), on, basis)
    if m.group("pm") or m.group("bm") or m.group("sm") or m.group("nm"):
        months = int(m.group("pm") or m.group("bm") or m.group("sm") or m.group("nm"))
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
    if m.group("univ") or m.group("stage") or m.group("attend"):
        stage = m.group("univ") or m.group("stage") or _ATTENDED[m.group("attend")]
        first, last, label = _STAGE_COHORTS[stage]
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
        read = _school_child(level or "小学", int(m.group("gy")), on, basis)
        if read is None and level and m.group("gysei"):
            # 中学生の息子と、4年生の娘: a year the level before cannot have is a 小学 year.
            read = _school_child("小学", int(m.group("gy")), on, basis)
        return read
    return None


def _coming_year(m: re.Match[str], text: str, on: date, basis: str) -> tuple[ChildReading, str] | None:
    """来月から小3になる, 4月から中1: the school year named is the coming April's; now it is the year before."""
    if m.group("stepyear"):
        level = m.group("sylevel") or _level_before(text, m.start()) or "小学"
        grade = int(m.group("syn"))
    else:
        level = m.group("nylevel") or m.group("nylevel2") or m.group("nylevel3")
        grade = int(m.group("nyn") or m.group("nyn2") or m.group("nyn3"))
    if level not in _SCHOOL_START or not 1 <= grade <= _MAX_GRADE.get(level, 3):
        return None
    named = _SCHOOL_START[level] + grade
    past = bool(_PAST_STEP.match(text[m.end() :]))  # 4月から小2になった: the April just passed
    cohort = named if past else _entry_cohort(m.group("nywhen") or "", on, named)
    if cohort < 0:
        return None
    label = f"「{basis}」は今年度の{cohort_label(cohort)}"
    return _cohort_child(cohort, cohort, on, basis, label), "cohort"


def _years_since(word: str, on: date) -> int:
    """How many school years ago a step named by `word` (去年, 一昨年度, 3年前; else this year) was taken."""
    fiscal = ages.fiscal_year_of(on)
    if word.endswith("年前"):
        return int(word[0])
    if word.startswith(("一昨年", "おととし")):
        return 2 if word.endswith("度") else max(fiscal - (on.year - 2), 0)
    if word.startswith(("昨年", "去年", "昨春")):
        return 1 if word.endswith("度") else max(fiscal - (on.year - 1), 0)
    return 0


def _era_span(era: str) -> tuple[date, date]:
    """Return the first and last day of an era (named or by its letter); the current one runs on."""
    index = next(i for i, e in enumerate(ERAS) if era in (e.name, e.letter))
    last = ERAS[index - 1].start - timedelta(days=1) if index > 0 else date.max
    return ERAS[index].start, last


def _graduating(m: re.Match[str], on: date, basis: str) -> tuple[ChildReading, str] | None:
    """中学校を今年度で卒業予定: the last year of the level in the school year whose March the words name."""
    said = m.group("gwhen") or m.group("gwhen2") or m.group("gwhen3")
    if not said and not _FUTURE.match(m.string[m.end() :]):
        return None  # 高校卒業の長男 has finished; only 卒業します・卒業予定 without a time is this year
    fiscal = ages.fiscal_year_of(on)
    when = said or "今年度"
    if when.startswith("再来年度"):
        march = fiscal + 3
    elif when.startswith("再来"):  # 再来年, 再来春: the calendar year after next
        march = on.year + 2
    elif when.startswith("来年度"):
        march = fiscal + 2
    elif when.startswith("来"):  # 来春, 来年の春, 来年3月: the calendar year after this one
        march = on.year + 1
    elif when.startswith("今年度"):
        march = fiscal + 1
    else:  # この春, 今年3月, 3月: the coming March (said in January-March) or this school year's
        march = on.year if on.month <= 3 else fiscal + 1
    last = {"小学": 11, "中学": 14, "高校": 17}[m.group("glevel")[:2]]
    cohort = last - (march - (fiscal + 1))
    if cohort < 0:
        return None
    return _cohort_child(cohort, cohort, on, basis, cohort_label(cohort)), "cohort"


def _graduated(m: re.Match[str], on: date, basis: str) -> tuple[ChildReading, str] | None:
    """今年の3月に高校を卒業した: one year past the level's last year for each April since that March."""
    when = m.group("gdwhen")
    year = on.year - 1 if when.startswith(("去年", "昨")) else on.year
    if not when.startswith(("去年", "昨")) and on.month < 4:
        year -= 1  # said in January-March, the spring that has passed is last year's
    if when.startswith("昨年度"):
        year = ages.fiscal_year_of(on)
    last = {"小学": 11, "中学": 14, "高校": 17}[m.group("gdlevel")[:2]]
    cohort = last + 1 + (ages.fiscal_year_of(on) - year)
    return _cohort_child(cohort, cohort, on, basis, cohort_label(cohort)), "cohort"


_SEASON_MONTHS = {"春": 3, "夏": 6, "秋": 9, "冬": 12}


def _season_birth(m: re.Match[str], on: date, basis: str) -> tuple[ChildReading, str] | None:
    """A birth in a season: the three months from its first month, in the year said or the last one begun."""
    first_month = _SEASON_MONTHS[m.group("sname")]
    rel = m.group("season_rel") or ""
    if m.group("season_y"):
        year = int(m.group("season_y"))
    elif rel in ("この", "今年の", ""):
        year = on.year if date(on.year, first_month, 1) <= on else on.year - 1
    else:
        year = on.year - (2 if rel.startswith("一昨年") else 1)
    first = date(year, first_month, 1)
    child = _window_child(first, ages.add_months(first, 3) - timedelta(days=1), on, basis)
    return (child, "date") if child else None


def _recent_birth(m: re.Match[str], on: date, basis: str) -> tuple[ChildReading, str] | None:
    """先月生まれ, 4月に生まれた: born in the named month of the last twelve months (or just now)."""
    word = m.group("recent")
    if word in ("先週", "今週", "先日", "この前", "つい最近", "最近"):
        return _age_child(0, on, basis), "baby"
    if word == "今月":
        first = on.replace(day=1)
    elif word == "先月":
        first = ages.add_months(on.replace(day=1), -1)
    else:
        month = int(m.group("lm"))
        if not 1 <= month <= 12:
            return None
        first = date(on.year if month <= on.month else on.year - 1, month, 1)
    child = _window_child(first, ages.add_months(first, 1) - timedelta(days=1), on, basis)
    return (child, "date") if child else None


def _school_child(level: str, grade: int, on: date, basis: str) -> tuple[ChildReading, str] | None:
    start = _SCHOOL_START.get(level, _UNIVERSITY_START.get(level))
    if start is None or not 1 <= grade <= _MAX_GRADE.get(level, 3):
        return None
    name = {"短期大学": "短大", "専門": "専門学校"}.get(level, level)
    label = cohort_label(start + grade) if level in _SCHOOL_START else f"{name}{grade}年生"
    return _cohort_child(start + grade, start + grade, on, basis, label), "cohort"


def _turning(age: int, when: str, on: date, basis: str) -> tuple[ChildReading, str]:
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


_DENIED_READING = re.compile(r"(?:では|じゃ)(?:なく|ない|ありません)")


def _readings(text: str, on: date) -> list[Reading]:
    readings: list[Reading] = []
    for match in _CHILD_PATTERN.finditer(text):
        if _DENIED_READING.match(text, match.end()):
            continue  # 年中じゃなくて年少: the reading is denied, the next one holds
        read = _read_match(match, text, on)
        if read is not None:
            readings.append(Reading(match.start(), match.end(), *read))
    return readings


def _read_children(text: str, on: date, stated: int | None = None) -> list[ChildReading]:
    readings = _readings(text, on)

    def variant(weak_joins: bool, admit_adults: bool, refer: bool) -> list[_Mention]:
        kept = [r for r in readings if is_child(text, r, admit_adults)]
        mentions = build_mentions(text, kept, on, weak_joins)
        mentions = corefer(text, mentions, on) if refer else mentions
        share_count(text, mentions, stated)
        return mentions

    mentions = variant(weak_joins=True, admit_adults=False, refer=True)
    if stated is not None and sum(m.size for m in mentions) != stated:
        # The stated number of children decides between readings: 「大学4年生、22歳」 is one child unless it
        # says two; an age over 25 is a child's when the text counts it (5人の子、上から28歳、25歳 …); a
        # child named twice is one unless the count says otherwise.
        for weak_joins, admit_adults, refer in (
            (False, False, True), (True, True, True), (False, True, True), (True, False, False),
        ):  # fmt: skip
            other = variant(weak_joins, admit_adults, refer)
            if sum(m.size for m in other) == stated:
                mentions = other
                break
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
