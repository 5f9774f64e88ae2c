"""Japanese text normalisation that keeps meaning."""

from __future__ import annotations

import re
import unicodedata

# Wave dashes and tildes all mean "from ... to"; NFKC leaves 〜 and ～ apart, so unify them.
_WAVES = str.maketrans({"～": "〜", "∼": "〜", "〰": "〜"})
_SPACES = re.compile(r"[ \t\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """NFKC (全角英数 → ASCII), one wave dash, tidy spaces; keeps 。、 and line structure."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Unify the wave dashes first: NFKC would turn the fullwidth ～ into an ASCII ~.
    text = unicodedata.normalize("NFKC", text.translate(_WAVES))
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def content_hash(*parts: str) -> str:
    """Stable short hash of text parts (ids for documents and chunks)."""
    import hashlib

    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:20]
