"""Which script a message is written in (an English question gets an English answer where one exists)."""

from __future__ import annotations

import re

_LATIN = re.compile(r"[A-Za-z]")
_SPACE = re.compile(r"\s")


def is_latin(text: str, share: float = 0.6) -> bool:
    """True when most non-space characters are Latin letters (a question typed in English)."""
    chars = _SPACE.sub("", text)
    return bool(chars) and len(_LATIN.findall(chars)) / len(chars) >= share
