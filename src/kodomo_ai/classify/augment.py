"""Systematic variants of training messages: the scripts and slips people really type in."""

from __future__ import annotations

import random
import unicodedata

from kodomo_ai.classify.data import Example
from kodomo_ai.text.fold import katakana_to_hiragana
from kodomo_ai.text.sudachi import reading

_EMOJI = ("😭", "💦", "🙏", "😢", "😱", "…", "！！", "？？", "😰", "🥺")
# Half-width katakana, as old phones and some keyboards still type it.
_HALFWIDTH = {unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0xFF66, 0xFF9E)}


def to_halfwidth(katakana: str) -> str:
    """Full-width katakana to half-width (voiced marks as separate characters)."""
    out = []
    for ch in katakana:
        base = unicodedata.normalize("NFD", ch)
        if base[0] in _HALFWIDTH:
            out.append(_HALFWIDTH[base[0]] + ("ﾞ" if "\u3099" in base else "ﾟ" if "\u309a" in base else ""))
        else:
            out.append(ch)
    return "".join(out)


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 6:
        return text
    i = rng.randrange(1, len(text) - 1)
    action = rng.choice(("drop", "double", "swap"))
    if action == "drop":
        return text[:i] + text[i + 1 :]
    if action == "double":
        return text[:i] + text[i] + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def variants(example: Example, rng: random.Random, carriers: list[str], n: int = 2) -> list[Example]:
    """`n` variants of one example: hiragana, spaced kana, half-width kana, a typo, emoji, or buried in other text."""
    kinds = ["hiragana", "spaced", "halfwidth", "typo", "emoji", "buried", "buried"]
    out = []
    for kind in rng.sample(kinds, n):
        text = example.text
        if kind == "hiragana":
            text = katakana_to_hiragana(reading(unicodedata.normalize("NFKC", text)))
        elif kind == "spaced":
            text = katakana_to_hiragana(reading(unicodedata.normalize("NFKC", text), sep=" "))
        elif kind == "halfwidth":
            text = to_halfwidth(reading(unicodedata.normalize("NFKC", text)))
        elif kind == "typo":
            text = _typo(text, rng)
        elif kind == "emoji":
            text = text + rng.choice(_EMOJI)
        elif carriers:  # buried: the message among ordinary sentences about something else
            before, after = rng.sample(carriers, 2)
            text = f"{before}\n{text}\n{after}" if rng.random() < 0.5 else f"{before}{text}"
        tags = (*example.tags, f"aug:{kind}")
        out.append(Example(text, example.label, example.group, example.kind, tags, example.source))
    return out


def augment(examples: list[Example], carriers: list[str], *, seed: int = 13, n: int = 2) -> list[Example]:
    """The examples followed by `n` seeded variants of each (the same data always gives the same set)."""
    rng = random.Random(seed)
    out = list(examples)
    for example in examples:
        # Card and general-knowledge questions are many and already varied: they serve as they are.
        if "as_is" not in example.tags:
            out.extend(variants(example, rng, carriers, n))
    return out
