"""Kanji numerals: 三 → 3, 十五 → 15, 百二十 → 120, 二〇二四 → 2024, and rewriting counted numerals as digits."""

from __future__ import annotations

import re

KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_MAN = "万"
NUMERAL_CHARS = "〇零一二三四五六七八九十百千万"


def kanji_to_int(text: str) -> int:
    """Convert a kanji numeral (三, 十五, 百二十, 二〇二四, 三万五千) to an int; ValueError if it is not one."""
    if not text or any(ch not in NUMERAL_CHARS for ch in text):
        raise ValueError(f"not a kanji numeral: {text!r}")
    if all(ch in KANJI_DIGITS for ch in text):  # positional digits: 二〇二四
        return int("".join(str(KANJI_DIGITS[ch]) for ch in text))
    if _MAN in text:
        high, _, low = text.partition(_MAN)
        return (kanji_to_int(high) if high else 1) * 10000 + (kanji_to_int(low) if low else 0)
    total, current = 0, 0
    for ch in text:
        if ch in KANJI_DIGITS:
            current = current * 10 + KANJI_DIGITS[ch]
        else:
            total += (current or 1) * KANJI_UNITS[ch]
            current = 0
    return total + current


def counted_numerals(counters: str) -> re.Pattern[str]:
    """Return a pattern for kanji numerals directly before one of `counters` (a regex alternation)."""
    return re.compile(rf"(?<![0-9{NUMERAL_CHARS}])([{NUMERAL_CHARS}]+)(?=(?:{counters}))")


def replace_numerals(text: str, pattern: re.Pattern[str]) -> str:
    """Rewrite the kanji numerals that `pattern` (from counted_numerals) finds as arabic digits."""
    return pattern.sub(lambda m: str(kanji_to_int(m.group(1))), text)
