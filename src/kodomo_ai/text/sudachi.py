"""One shared Sudachi tokenizer: words with their parts of speech, and reading forms."""

from __future__ import annotations

import threading
from typing import Any

# Sudachi rejects inputs over ~49 KB; stay well under it.
MAX_CHARS = 8000


class Sudachi:
    """The process's Sudachi tokenizer (loading the dictionary is slow; tokenising is not thread-safe)."""

    _instance: Sudachi | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        from sudachipy import Dictionary, SplitMode

        self.dictionary = Dictionary(dict="core")
        self.tokenizer = self.dictionary.create()
        self.mode = SplitMode.C

    @classmethod
    def get(cls) -> Sudachi:
        """The shared instance, created on first use."""
        with cls._lock:
            if cls._instance is None:
                cls._instance = Sudachi()
            return cls._instance

    def morphemes(self, text: str) -> list[Any]:
        """Mode-C morphemes of `text` (split into pieces Sudachi accepts)."""
        out: list[Any] = []
        with self._lock:
            for start in range(0, len(text), MAX_CHARS):
                out.extend(self.tokenizer.tokenize(text[start : start + MAX_CHARS], self.mode))
        return out

    def entries(self, surface: str) -> set[tuple[str, ...]]:
        """The parts of speech of every dictionary entry spelled `surface` (翔太: only 人名; 里子: also 普通名詞)."""
        with self._lock:
            return {tuple(m.part_of_speech()[:4]) for m in self.dictionary.lookup(surface)}

    def words(self, text: str) -> list[tuple[str, str]]:
        """(normalized form, POS) of the mode-C words, each followed by its mode-A parts when it splits."""
        from sudachipy import SplitMode

        out: list[tuple[str, str]] = []
        for m in self.morphemes(text):
            out.append((m.normalized_form(), m.part_of_speech()[0]))
            # 育児休業中 is one C-unit; its parts let a query for 育児休業 match it too.
            if len(m.surface()) > 2:
                parts = m.split(SplitMode.A)
                if len(parts) > 1:
                    out.extend((p.normalized_form(), p.part_of_speech()[0]) for p in parts)
        return out


def reading(text: str, *, sep: str = "") -> str:
    """The text as it is read, in katakana (殴って → ナグッテ); words without a reading keep their surface."""
    parts = []
    for m in Sudachi.get().morphemes(text):
        surface = m.surface()
        form = m.reading_form()
        # Sudachi reads unknown words (latin, emoji, numbers) as "" or "キゴウ"; keep what was typed.
        parts.append(
            form
            if form and m.part_of_speech()[0] not in ("補助記号", "空白") and not surface.isascii()
            else surface
        )
    return sep.join(parts)
