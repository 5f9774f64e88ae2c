"""Household reader, mentions: which readings are children, which words are about the same child, and how many.

A reading (an age, a school year, a birth date …) belongs to the noun it modifies or the one it is said of:
「3歳の犬」「猫は2歳」 are pets', 「私は35歳」「40歳の母」 adults', 「5歳の娘」 a child's. The words about one
child (「大学4年(22歳)の長男」) join into one mention when nothing between them starts another child. Then
mentions that refer to a child already mentioned are merged (coreference): the same child named again in a
later sentence (長女は小4。…長女は9歳), 「中3のほう」, a sentence that names no child of its own and adds
another kind of fact to the one before (…生まれの息子。今日6歳になりました) or repeats its class or exact age
(年長の娘。来年度から小学校に上がるので), a class wished for
(0歳児クラスに入園希望) and a count whose children are listed after it (中学生が3人。中3、中2、中1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kodomo_ai.rules.household_windows import ChildReading, age_range

# Without a word naming a child in the same clause, an older age in the text is taken to be an adult's.
OLDEST_CHILD_AGE = 25
# 大学・短大・専門学校 students can be older than their school year (浪人, a repeated year): an exact age up
# to this many years above the year's cohort is the same student (大学3年で22歳).
STUDENT_LAG_YEARS = 2
FIRST_HIGHER_EDUCATION_COHORT = 18

CHILD_NAMES = r"長男|長女|次男|次女|三男|三女|四男|四女|末っ子|息子|娘|連れ子"
# Words that name one particular child; after a clause break they start another child (下の子, 次女 …).
# 上が・下が name the older or younger one, not the verbs 上がる・下がる.
_CHILD_HEAD = re.compile(
    rf"{CHILD_NAMES}|上の子|下の子|真ん中|一番上|いちばん上|一番下|いちばん下|その下|末の子|上が(?!る|り|った|って|れ)|上は|下が(?!る|り|った|って)|下は|次が|次は"
    r"|子ども|子供|男の子|女の子|お兄ちゃん|お姉ちゃん|兄|姉|弟|妹|第\d子"
)
# Names that pick out one child everywhere in a text (a given name with くん・ちゃん is read by _GIVEN_NAME).
_NAME = re.compile(
    rf"{CHILD_NAMES}|上の子|下の子|真ん中の子|一番上の子|一番下の子|末の子|お兄ちゃん|お姉ちゃん|第\d子"
)
_GIVEN_NAME = re.compile(r"([ぁ-んァ-ヶー一-龥]{1,3})(くん|君|ちゃん)")
_NOT_GIVEN = ("赤", "兄", "姉", "母", "父", "ばあ", "じい", "婆", "爺")
# A name shared by several children (息子 for two sons) refers only when one earlier mention carries it.
_GENERIC_NAMES = {"息子", "娘", "連れ子"}
# Who an age can belong to. 母子・父子 (家庭) are neither; pets come before 子 so that 子犬 is a pet.
_NEUTRAL = r"母子|父子|親子"
_PET = (
    r"犬(?!山)|猫|いぬ|ねこ|イヌ|ネコ|ペット|うさぎ|ウサギ|ハムスター|インコ|オウム|文鳥|小鳥|金魚|熱帯魚|メダカ|カメ|亀"
    r"|フェレット|プードル|トイプー|チワワ|ダックス|ポメラニアン|わんこ|わんちゃん|ワンちゃん|にゃんこ"
)
_PARENT = (
    r"私|僕|自分|夫|妻|主人|旦那|パパ|ママ|父親|母親|父|母|祖父|祖母|おじいちゃん|おばあちゃん|義父|義母|本人"
)
# Someone else's child (妹夫婦の子, 友人の息子, 甥): not a child of this household.
_OTHERS = (
    r"(?:甥|姪|いとこ|従兄弟|従姉妹)(?:っ子)?"
    r"|(?:妹|姉|兄|弟|義妹|義姉|義兄|義弟|友人|友達|知人|親戚|近所の(?:人|方)|ママ友)(?:夫婦|家族|さん)?の(?:子|娘|息子)"
)
_OWNER = re.compile(
    rf"(?P<other>{_OTHERS})|(?P<neutral>{_NEUTRAL})|(?P<pet>{_PET})|(?P<child>{_CHILD_HEAD.pattern}|孫|子)|(?P<parent>{_PARENT})"
)
# 3歳の犬, 40歳の母, 5歳の娘: the noun an age modifies, a few characters after の.
_OWNER_AFTER = re.compile(r"^\)?の([^、,。!?\nにがはをでとも]{0,3}?)(?=" + _OWNER.pattern + ")")
_CHILD_WORD = re.compile(rf"{_CHILD_HEAD.pattern}|孫|子")
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
# 子は2人、どちらも中学生: a word for all of them before one mention gives it every child counted.
_ALL_OF = re.compile(
    r"(?:みんな|みな|皆|全員|いずれも|どの子も|どちらも|そろって|揃って)(?:が|は|も)?(?:まだ|もう)?$"
)
_TWINS = re.compile(r"双子|双生児|三つ子|3つ子")
# 「中3のほうが兄です」: the words point back at a child already named.
_POINTS_BACK = re.compile(r"^\)?の?(?:ほう|方)(?:が|は|も|を)")
# 「0歳児クラスに入園希望」: a class wished for is the class of a child described elsewhere, when one is.
_WISH = re.compile(
    r"^(?:への|に|へ|の|で)?(?:途中)?(?:入園|入所|申し込|申込|申請|転園|入れたい|入れる予定|入りたい|入れたく|入る予定)"
)


@dataclass
class Reading:
    """One child reading found in the text, before mentions are formed."""

    start: int
    end: int
    child: ChildReading
    kind: str  # age, date, baby, cohort, stage or status


@dataclass
class _Mention:
    """One child as the text mentions it, possibly more than once (大学4年(22歳)); `size` children alike."""

    start: int
    end: int
    child: ChildReading
    kinds: set[str]
    size: int = 1
    wish: bool = False


def _clause(text: str, start: int, end: int) -> tuple[str, str]:
    """Return the clause text before `start` and after `end` (up to the nearest 、。と・ or sentence end)."""
    before = text[:start]
    cut = max((m.end() for m in _CLAUSE_BREAK.finditer(before)), default=0)
    after = text[end:]
    stop = _CLAUSE_BREAK.search(after)
    return before[cut:], after[: stop.start() if stop else len(after)]


def _owner(text: str, start: int, end: int) -> str | None:
    """Return whose reading this is: child, parent, pet or None when the clause does not say."""
    after = _OWNER_AFTER.match(text[end:])
    if after:
        found = _OWNER.match(text, end + after.end())
        if found and found.lastgroup != "neutral":
            return found.lastgroup
    before, _ = _clause(text, start, end)
    owners = [m.lastgroup for m in _OWNER.finditer(before) if m.lastgroup != "neutral"]
    if not owners:
        # 猫が2匹(5歳と3歳): ages listed in a bracket belong to whoever stands before the bracket.
        opened = text.rfind("(", 0, start)
        if opened >= 0 and ")" not in text[opened:start] and not _OWNER.search(text[opened:start]):
            return _owner(text, opened, opened)
    return owners[-1] if owners else None


def is_child(text: str, reading: Reading, admit_adults: bool = False) -> bool:
    """False for an age that is an adult's (私は35歳) or a pet's (3歳の犬), or for an unborn child (妊娠8か月)."""
    child, kind = reading.child, reading.kind
    before, after = _clause(text, reading.start, reading.end)
    if (kind == "baby" or (kind == "age" and child.age_max == 0)) and _EXPECTING.search(before):
        return False
    owner = _owner(text, reading.start, reading.end)
    if owner == "other":
        return False  # any reading of someone else's child (友人の子は小2)
    if kind not in ("age", "date"):
        return True
    if owner in ("pet", "parent"):
        return False
    return (
        owner == "child"
        or admit_adults
        or child.age_min <= OLDEST_CHILD_AGE
        or bool(_CHILD_WORD.search(before + after))
    )


def _boundary(gap: str) -> str:
    """How the words between two readings separate them: same (one child), weak (only a comma) or strong."""
    if _SENTENCE_END.search(gap) or _CONJUNCTION.search(gap):
        return "strong"
    for head in _CHILD_HEAD.finditer(gap):
        if head.start() > 0 and gap[head.start() - 1] not in "の(":
            return "strong"  # 5歳で下の子が…: another child named after a clause
    return "weak" if re.search(r"[、,]", gap) else "same"


def _one_bracket(text: str, first: int, second: int) -> bool:
    """True when positions `first` and `second` stand inside the same bracket (an unclosed 「(」 before both)."""
    opened = text.rfind("(", 0, first)
    return opened >= 0 and ")" not in text[opened:second] and "(" not in text[opened + 1 : second]


def _names_own_child(text: str, last: _Mention, reading: Reading) -> bool:
    """True when the clauses of both readings name a child of their own (長男は中3、14歳の次男)."""
    before = _clause(text, last.start, last.end)
    after = _clause(text, reading.start, reading.end)
    return any(_CHILD_HEAD.search(part) for part in before) and any(
        _CHILD_HEAD.search(part) for part in after
    )


def _lagging_student(one: ChildReading, other: ChildReading) -> ChildReading | None:
    """The exact age of a higher-education student older than the school year: 大学3年で22歳 → the age."""
    cohort, exact = (one, other) if one.class_age is not None else (other, one)
    if cohort.class_age is None or cohort.class_age < FIRST_HIGHER_EDUCATION_COHORT:
        return None
    if exact.age_min != exact.age_max or exact.class_age is not None:
        return None
    return exact if 0 < exact.age_min - cohort.age_max <= STUDENT_LAG_YEARS else None


def joins(mention: _Mention, child: ChildReading, kind: str) -> bool:
    """True when `child` can be the same child as `mention`: overlapping births, a different kind of reading."""
    if max(mention.child.born_from, child.born_from) > min(mention.child.born_to, child.born_to):
        return kind != "cohort" and _lagging_student(mention.child, child) is not None
    if kind not in mention.kinds:
        return True
    return kind == "cohort" and child.class_age is not None and child.class_age == mention.child.class_age


def _join(mention: _Mention, child: ChildReading, kind: str, text: str, end: int, on: date) -> None:
    old = mention.child
    lagging = _lagging_student(old, child)
    if lagging is not None and max(old.born_from, child.born_from) > min(old.born_to, child.born_to):
        born_from, born_to = lagging.born_from, lagging.born_to
    else:
        born_from, born_to = max(old.born_from, child.born_from), min(old.born_to, child.born_to)
    low, high = age_range(born_from, born_to, on)
    narrow = min((old, child), key=lambda c: (c.age_max - c.age_min, c.born_to - c.born_from))
    # An exact age or birth date makes the school-year assumption unnecessary.
    assumption = "" if {"age", "date"} & (mention.kinds | {kind}) else narrow.assumption
    start, stop = min(mention.start, end), max(mention.end, end)
    basis = text[start:stop] if stop - start <= 40 else f"{old.basis} / {child.basis}"
    if basis.count("(") > basis.count(")") and text[stop : stop + 1] == ")":
        basis += ")"  # 大学4年(22歳): the bracket closes after the age
    mention.child = ChildReading(
        low, high, basis, born_from, born_to, assumption, old.supported and child.supported,
        old.class_age if old.class_age is not None else child.class_age,
    )  # fmt: skip
    mention.kinds.add(kind)
    mention.end = max(mention.end, end)


def build_mentions(text: str, readings: list[Reading], on: date, weak_joins: bool) -> list[_Mention]:
    """Form mentions from readings in text order, then count, find twins and merge repeated mentions."""
    mentions: list[_Mention] = []
    for reading in readings:
        child, kind = reading.child, reading.kind
        if mentions:
            last = mentions[-1]
            boundary = _boundary(text[last.end : reading.start])
            if boundary == "weak" and _names_own_child(text, last, reading):
                boundary = "strong"  # 長男は中3、14歳の次男: each side names its child
            # 0歳(生後8か月): words in a bracket right after a child say more about that child.
            bracketed = text[last.end : reading.start] == "(" and _overlap(last.child, child)
            # 長男(17歳・高2): facts listed in one bracket after a child are that child's, when they fit.
            gap = text[last.end : reading.start]
            if len(gap) == 1 and gap in "・、,/" and _one_bracket(text, last.start, reading.start):
                boundary = "same"
            if bracketed or (
                (boundary == "same" or (boundary == "weak" and weak_joins)) and joins(last, child, kind)
            ):
                _join(last, child, kind, text, reading.end, on)
                continue
        wish = kind == "cohort" and bool(_WISH.match(text[reading.end :]))
        mentions.append(_Mention(reading.start, reading.end, child, {kind}, wish=wish))
    for index, mention in enumerate(mentions):
        mention.size = _size(text, mentions[:index], mention)
    _twins(text, mentions)
    return _drop_elaborated(text, mentions)


def corefer(text: str, mentions: list[_Mention], on: date) -> list[_Mention]:
    """Merge each mention that refers back to a child already mentioned into that child's mention."""
    kept: list[_Mention] = []
    for mention in mentions:
        antecedent = _antecedent(text, kept, mention)
        if antecedent is None:
            kept.append(mention)
            continue
        kind = next(iter(mention.kinds - antecedent.kinds), next(iter(mention.kinds)))
        _join(antecedent, mention.child, kind, text, mention.end, on)
    # A class wished for names the class of a child described elsewhere: merge it into one it fits.
    for wish in [m for m in kept if m.wish]:
        others = [m for m in kept if m is not wish and m.size == 1 and _overlap(m.child, wish.child)]
        if len(others) == 1:
            kept.remove(wish)
            kind = next(iter(wish.kinds))
            _join(others[0], wish.child, kind, text, others[0].end, on)
    return kept


def share_count(text: str, mentions: list[_Mention], stated: int | None) -> None:
    """Give a mention said of all the children (どちらも中学生) the children the stated count leaves undescribed."""
    if stated is None:
        return
    shared = [m for m in mentions if m.size == 1 and _ALL_OF.search(_clause(text, m.start, m.end)[0])]
    if len(shared) == 1:
        rest = stated - sum(m.size for m in mentions if m is not shared[0])
        if rest > 1:
            shared[0].size = rest


def _overlap(one: ChildReading, other: ChildReading) -> bool:
    return max(one.born_from, other.born_from) <= min(one.born_to, other.born_to)


def _name(text: str, mention: _Mention) -> str | None:
    """Return the word that names the child of `mention` in its clause (長女, 下の子, ゆうとくん), if any."""
    after = re.match(r"^\)?の(" + _NAME.pattern + ")", text[mention.end :])
    if after:
        return after.group(1)
    # The words since the last comma (not since と, which also ends given names such as ゆうと).
    cut = max((m.end() for m in re.finditer(r"[、,。!?\n]", text[: mention.start])), default=0)
    before = text[cut : mention.start]
    names = [m.group(0) for m in _NAME.finditer(before)]
    given = [m.group(0) for m in _GIVEN_NAME.finditer(before) if not m.group(1).endswith(_NOT_GIVEN)]
    found = sorted(
        [(before.rfind(n), n) for n in names] + [(before.rfind(g), g) for g in given],
        key=lambda item: item[0],
    )
    return found[-1][1] if found else None


def _antecedent(text: str, earlier: list[_Mention], mention: _Mention) -> _Mention | None:
    """Return the earlier mention this one refers back to, or None when it is another child."""
    if not earlier or mention.size != 1:
        return None
    fitting = [m for m in earlier if m.size == 1 and _fits(m, mention)]
    if not fitting:
        return None
    name = _name(text, mention)
    if name is not None:
        named = [m for m in earlier if _name(text, m) == name]
        if (
            len(named) == 1
            and named[0] in fitting
            and (name not in _GENERIC_NAMES or _SENTENCE_END.search(text[named[0].end : mention.start]))
        ):
            return named[0]
        return None
    if _POINTS_BACK.match(text[mention.end :]):
        same = [m for m in fitting if m.child.class_age == mention.child.class_age] or fitting
        return same[-1]
    # A sentence that names no child of its own adds a different kind of fact to the child just before.
    last = earlier[-1]
    start = max(text.rfind(ch, 0, mention.start) for ch in "。!?\n") + 1
    stop = _SENTENCE_END.search(text, mention.end)
    sentence = text[start : stop.start() if stop else len(text)]
    if (
        last in fitting
        and start > last.start
        and not _OWNER.search(sentence.replace(mention.child.basis, ""))
        and (not mention.kinds & last.kinds or _said_again(last.child, mention.child))
    ):
        return last
    return None


def _said_again(earlier: ChildReading, later: ChildReading) -> bool:
    """True when a later reading repeats the earlier one's class or exact age (年長 … 来年度から小学校; 0歳)."""
    if earlier.class_age is not None and earlier.class_age == later.class_age:
        return True
    return later.age_min == later.age_max and earlier.age_min <= later.age_min <= earlier.age_max


def _fits(earlier: _Mention, mention: _Mention) -> bool:
    return _overlap(earlier.child, mention.child) or (
        _lagging_student(earlier.child, mention.child) is not None
    )


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
        if any(_EXPECTING.search(part) for part in _clause(text, twins.start(), twins.end())):
            continue  # 双子がおなかに: twins not yet born
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
        in_sentence, near = near, joined or near
        if near:
            nearest = min(near, key=lambda m: max(m.start - twins.end(), twins.start() - m.end, 0))
            # 7歳、7歳(双子): twins already listed one by one are not counted again.
            alike = [
                m
                for m in in_sentence
                if (m.child.born_from, m.child.born_to) == (nearest.child.born_from, nearest.child.born_to)
            ]
            if sum(m.size for m in alike) < size:
                nearest.size = max(nearest.size, size)


def _inside(outer: ChildReading, inner: ChildReading) -> bool:
    return outer.born_from <= inner.born_from and inner.born_to <= outer.born_to


def _drop_elaborated(text: str, mentions: list[_Mention]) -> list[_Mention]:
    """Drop a count of children that the next mentions list one by one: 中学生の息子が2人(中1と中3), 中学生が3人。中3、中2、中1."""
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
                and all(joins(mention, m.child, "cohort") or m.kinds != {"stage"} for m in inner)
                and all(_inside(mention.child, m.child) for m in inner)
            ):
                continue
            # A count then its list: the next `size` mentions all fall within the counted window.
            listed = following[: mention.size]
            if (
                mention.size > 1
                and len(listed) == mention.size
                and all(m.size == 1 and _inside(mention.child, m.child) for m in listed)
                and not _CONJUNCTION.search(gap)
            ):
                continue
        kept.append(mention)
    return kept
