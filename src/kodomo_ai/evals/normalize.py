"""Text normalisation shared by the checks: NFKC, digits without separators, no spacing."""

from __future__ import annotations

import re
import unicodedata

# Thousands separators between digits (37,000 / 37，000) are dropped so facts match either spelling.
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_WAVE = re.compile(r"[〜～~]")
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Hyphens and spaces inside digit runs (090-1234-5678, 1234 5678 9018) for identifier matching.
_DIGIT_JOINER = re.compile(r"(?<=\d)[\s\-‐‑‒–—―−ー－()（）]+(?=\d)")


def normalize(text: str) -> str:
    """Return `text` in the form facts are compared in: NFKC, 半角, digits without commas, no spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _DIGIT_SEPARATOR.sub("", text)
    text = _WAVE.sub("~", text)
    text = _SPACE.sub("", text)
    return text.lower()


def join_digits(text: str) -> str:
    """Return normalised `text` with separators inside digit runs removed (for numbers such as phones)."""
    return _DIGIT_JOINER.sub("", unicodedata.normalize("NFKC", text))


def numbers_in(text: str) -> list[str]:
    """Return every number written in `text`, normalised (37,000円 gives '37000')."""
    return _NUMBER.findall(normalize(text))


def contains(text: str, needle: str) -> bool:
    """Tell whether normalised `needle` occurs in normalised `text`; `re:` prefixes a regular expression."""
    if needle.startswith("re:"):
        return re.search(needle[3:], unicodedata.normalize("NFKC", text)) is not None
    return normalize(needle) in normalize(text)
