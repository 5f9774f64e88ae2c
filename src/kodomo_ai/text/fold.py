"""Text folding for pattern matching: NFKC, lower case, katakana to hiragana, long vowels, kanji numerals."""

from __future__ import annotations

import re
import unicodedata

_KATAKANA = re.compile(r"[ァ-ヶヽヾ]")
_SMALL_VOWELS = str.maketrans("ぁぃぅぇぉゎゕゖ", "あいうえおわかけ")
# Vowel of each hiragana, so that a long-vowel mark (こきゅー, ゼーゼー) reads as the vowel itself.
_VOWEL_ROWS = {
    "あ": "あかがさざただなはばぱまやらわゃ",
    "い": "いきぎしじちぢにひびぴみり",
    "う": "うくぐすずつづぬふぶぷむゆるゅゔ",
    "え": "えけげせぜてでねへべぺめれ",
    "お": "おこごそぞとどのほぼぽもよろをょ",
}
_VOWEL_OF = {kana: vowel for vowel, row in _VOWEL_ROWS.items() for kana in row}
_LONG_MARK = re.compile(r"([ぁ-ゖ])ー+")
_SPACES = re.compile(r"\s+")
_REPEATS = re.compile(r"([!?！？。、…~〜w])\1+|(っ)っ+")
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER = re.compile(r"([一二三四五六七八九十]{1,4})(?=度|分|か月|ヶ月|カ月|週|日|回|歳|錠)")
_MONTH_COUNTER = re.compile(r"(\d)(?:ヶ|ケ|ヵ|カ|箇|け|ゖ|ゕ)月")
_MINUTES = re.compile(r"(\d)(?:ふん|ぷん)")


def katakana_to_hiragana(text: str) -> str:
    """Fold full-width katakana to hiragana (ヴ stays as ゔ)."""
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)


def _kanji_to_int(numeral: str) -> int:
    # Handles the small numbers people type for temperatures and durations: 三十八, 五, 十二.
    if "十" not in numeral:
        value = 0
        for ch in numeral:
            value = value * 10 + _KANJI_DIGITS[ch]
        return value
    tens, _, ones = numeral.partition("十")
    return (_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0)


def fold(text: str) -> str:
    """Fold kana only (katakana→hiragana, small vowels, long-vowel marks); safe for regex sources."""
    text = katakana_to_hiragana(text).translate(_SMALL_VOWELS)
    return _LONG_MARK.sub(lambda m: m.group(1) + _VOWEL_OF.get(m.group(1), "ー"), text)


def normalise(text: str) -> str:
    """Fold user text for matching: NFKC, lower case, no spaces, hiragana, arabic numerals."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _SPACES.sub("", text).replace("°c", "度").replace("℃", "度")
    text = _MONTH_COUNTER.sub(r"\1か月", text)
    text = _KANJI_NUMBER.sub(lambda m: str(_kanji_to_int(m.group(1))), text)
    text = fold(text)
    text = _MINUTES.sub(r"\1分", text)
    return _REPEATS.sub(lambda m: m.group(1) or m.group(2), text)
