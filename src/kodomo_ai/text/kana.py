"""Hiragana spellings read as their written forms: counted numbers (よんさい → 4歳) and words from a given table."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from kodomo_ai.text.fold import katakana_to_hiragana

# Readings of the digits, with the doubled forms (いっ, はっ, ろっ, じゅっ) used before s/k/h counters.
_ONES = {
    "ぜろ": 0, "れい": 0, "いち": 1, "いっ": 1, "に": 2, "さん": 3, "よん": 4, "よ": 4, "し": 4, "ご": 5,
    "ろく": 6, "ろっ": 6, "なな": 7, "しち": 7, "はち": 8, "はっ": 8, "きゅう": 9, "く": 9,
}  # fmt: skip
_TENS = {"に": 2, "さん": 3, "よん": 4, "ご": 5, "ろく": 6, "なな": 7, "はち": 8, "きゅう": 9}
_TEN = ("じゅう", "じゅっ", "じっ")


def _alternation(words: object) -> str:
    return "|".join(sorted(words, key=len, reverse=True))  # type: ignore[call-overload]


_ONES_RE = _alternation(_ONES)
_NUMBER = rf"(?:(?:{_alternation(_TENS)})?(?:{_alternation(_TEN)})(?:{_ONES_RE})?|{_ONES_RE})"
KANA_NUMBER = re.compile(rf"^{_NUMBER}$")


def kana_to_int(reading: str) -> int:
    """Read a number spelled in hiragana, 0-99 (じゅうなな → 17, さんじゅういっ → 31); ValueError if it is not one."""
    if not KANA_NUMBER.match(reading):
        raise ValueError(f"not a number in kana: {reading!r}")
    for ten in _TEN:
        if ten in reading:
            tens, _, ones = reading.partition(ten)
            return (_TENS[tens] if tens else 1) * 10 + (_ONES[ones] if ones else 0)
    return _ONES[reading]


# Counters written in hiragana and their usual written form. A count read here is spelled in digits.
# さい is not taken before the kana of words that begin with it (最近, 最後, 最初, 再開 …).
COUNTERS: dict[str, str] = {
    "ねんせい": "年生",
    "かげつ": "か月",
    "かげっ": "か月",
    "じかん": "時間",
    "にん": "人",
}
_SAI = r"さい(?!きん|ご|しょ|こう|だい|てい|ばん|よう|せん|かい|しん|げつ|ど|せい|して)"
_COUNTED_KANA = re.compile(rf"(?<![ぁ-ゖ])({_NUMBER})({_SAI}|{_alternation(COUNTERS)})|({_NUMBER})({_SAI})")
# A bare ねん counts school years only after a written word (高校にねん): alone it is mostly a sentence ending.
_YEARS_AFTER_WORD = re.compile(rf"(?<=[一-龥])(\d{{1,2}}|{_NUMBER})ねん(?!せい)")
_COUNTED_DIGITS = re.compile(rf"(\d+)({_SAI}|{_alternation(COUNTERS)})")
# Native counting of things and of small children's ages: ひとつ … ここのつ.
_NATIVE = {
    "ひとつ": 1, "ふたつ": 2, "みっつ": 3, "よっつ": 4, "いつつ": 5, "むっつ": 6, "ななつ": 7, "やっつ": 8,
    "ここのつ": 9,
}  # fmt: skip
_NATIVE_RE = re.compile(_alternation(_NATIVE))
# ひとり / ふたり are counts of people only where a count stands (not ひとり親, ひとりっ子, ひとりで).
_PEOPLE = re.compile(r"(ひとり|ふたり)(?=[、。,.()]|です|でした|います|いる|おる|おり|だけ|とも|の子|$)")


def spell_numbers(text: str) -> str:
    """Spell counted numbers in digits: よんさい → 4歳, 17さい → 17歳, さんにん → 3人, みっつ → 3つ, ふたり → 2人."""

    def counted(m: re.Match[str]) -> str:
        number, counter = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        try:
            value = kana_to_int(number)
        except ValueError:
            return m.group(0)
        return f"{value}{_written(counter)}"

    text = _COUNTED_KANA.sub(counted, text)
    text = _YEARS_AFTER_WORD.sub(lambda m: f"{_value(m.group(1))}年", text)
    text = _COUNTED_DIGITS.sub(lambda m: m.group(1) + _written(m.group(2)), text)
    text = _NATIVE_RE.sub(lambda m: f"{_NATIVE[m.group(0)]}つ", text)
    return _PEOPLE.sub(lambda m: "1人" if m.group(1) == "ひとり" else "2人", text)


def _value(number: str) -> int:
    return int(number) if number.isdigit() else kana_to_int(number)


def _written(counter: str) -> str:
    return "歳" if counter.startswith("さい") else COUNTERS[counter]


def spell_words(text: str, words: Mapping[str, str]) -> str:
    """Replace every hiragana spelling in `words` by its written form, the longest spelling first."""
    if not words:
        return text
    pattern = re.compile(_alternation(words))
    return pattern.sub(lambda m: words[m.group(0)], text)


# Half-width katakana (ｶﾀｶﾅ): U+FF66-FF9F, written where a phone or an old form allows only that script.
_HALF_WIDTH_KANA = re.compile(r"[\uff66-\uff9f]")
_KATAKANA_RUN = re.compile(r"[ァ-ヺー]+")


def fold_half_width_kana(text: str) -> str:
    """Read text typed in half-width katakana as hiragana (ﾑｽｺﾊ4ｻｲ → むすこは4さい); other text is unchanged.

    Whole sentences in half-width katakana stand for the words people would write in kana and kanji, so
    they are folded to hiragana, where the kana spellings of numbers and words are read. A run with a
    long-vowel mark is a loanword and stays katakana (ｼﾝｸﾞﾙﾏｻﾞｰ, ﾊﾟｰﾄ), as it would be written.
    """
    if not _HALF_WIDTH_KANA.search(text):
        return text
    return _KATAKANA_RUN.sub(
        lambda m: m.group(0) if "ー" in m.group(0) else katakana_to_hiragana(m.group(0)),
        unicodedata.normalize("NFKC", text),
    )
