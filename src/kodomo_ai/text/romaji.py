"""Romanised Japanese (Hepburn and its common variants) read back into kana."""

from __future__ import annotations

import itertools
import re
import unicodedata

# Hepburn, Kunrei and Nihon-shiki spellings of each syllable; the longest spelling is tried first.
_SYLLABLES: dict[str, str] = {
    "a": "あ", "i": "い", "u": "う", "e": "え", "o": "お",
    "ka": "か", "ki": "き", "ku": "く", "ke": "け", "ko": "こ", "kya": "きゃ", "kyu": "きゅ", "kyo": "きょ",
    "ga": "が", "gi": "ぎ", "gu": "ぐ", "ge": "げ", "go": "ご", "gya": "ぎゃ", "gyu": "ぎゅ", "gyo": "ぎょ",
    "sa": "さ", "shi": "し", "si": "し", "su": "す", "se": "せ", "so": "そ",
    "sha": "しゃ", "shu": "しゅ", "sho": "しょ", "she": "しぇ", "sya": "しゃ", "syu": "しゅ", "syo": "しょ",
    "za": "ざ", "ji": "じ", "zi": "じ", "zu": "ず", "ze": "ぜ", "zo": "ぞ",
    "ja": "じゃ", "ju": "じゅ", "jo": "じょ", "je": "じぇ", "zya": "じゃ", "zyu": "じゅ", "zyo": "じょ",
    "ta": "た", "chi": "ち", "ti": "ち", "tsu": "つ", "tu": "つ", "te": "て", "to": "と",
    "cha": "ちゃ", "chu": "ちゅ", "cho": "ちょ", "che": "ちぇ", "tya": "ちゃ", "tyu": "ちゅ", "tyo": "ちょ",
    "da": "だ", "di": "ぢ", "du": "づ", "de": "で", "do": "ど",
    "na": "な", "ni": "に", "nu": "ぬ", "ne": "ね", "no": "の", "nya": "にゃ", "nyu": "にゅ", "nyo": "にょ",
    "ha": "は", "hi": "ひ", "fu": "ふ", "hu": "ふ", "he": "へ", "ho": "ほ", "hya": "ひゃ", "hyu": "ひゅ",
    "hyo": "ひょ", "fa": "ふぁ", "fi": "ふぃ", "fe": "ふぇ", "fo": "ふぉ",
    "ba": "ば", "bi": "び", "bu": "ぶ", "be": "べ", "bo": "ぼ", "bya": "びゃ", "byu": "びゅ", "byo": "びょ",
    "pa": "ぱ", "pi": "ぴ", "pu": "ぷ", "pe": "ぺ", "po": "ぽ", "pya": "ぴゃ", "pyu": "ぴゅ", "pyo": "ぴょ",
    "ma": "ま", "mi": "み", "mu": "む", "me": "め", "mo": "も", "mya": "みゃ", "myu": "みゅ", "myo": "みょ",
    "ya": "や", "yu": "ゆ", "yo": "よ",
    "ra": "ら", "ri": "り", "ru": "る", "re": "れ", "ro": "ろ", "rya": "りゃ", "ryu": "りゅ", "ryo": "りょ",
    "wa": "わ", "wo": "を", "va": "ゔぁ", "vi": "ゔぃ", "vu": "ゔ", "ve": "ゔぇ", "vo": "ゔぉ",
}  # fmt: skip
_LONGEST = max(len(s) for s in _SYLLABLES)
# Macrons and circumflexes mark long vowels (Ōta, Yūki, Satô).
_LONG_VOWELS = {"ā": "aa", "ī": "ii", "ū": "uu", "ē": "ee", "ō": "ou", "â": "aa", "î": "ii", "û": "uu",
                "ê": "ee", "ô": "ou"}  # fmt: skip
_LONG_MARKED = re.compile("[" + "".join(_LONG_VOWELS) + "]")


def to_hiragana(word: str) -> str | None:
    """The hiragana of one romanised word (Shōta → しょうた), or None when it is not romanised Japanese."""
    text = _LONG_MARKED.sub(lambda m: _LONG_VOWELS[m.group()], word.lower())
    # n' keeps a syllabic n apart from the vowel after it (Ken'ichi = けんいち, not けにち).
    text = unicodedata.normalize("NFKC", text).replace("n'", "N").replace("'", "").replace("-", "")
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        # Syllabic n: before a consonant, at the end, or "m" before b/p/m (Homma, Sempai).
        if (
            ch == "N"
            or (ch == "n" and (not nxt or nxt not in "aiueoy"))
            or (ch == "m" and nxt and nxt in "bpm")
        ):
            out.append("ん")
            i += 1
            continue
        # A doubled consonant is a small tsu (Hattori, Kitchō); "tch" as in Hepburn.
        if (ch == nxt and ch not in "aiueo") or (ch == "t" and nxt == "c"):
            out.append("っ")
            i += 1
            continue
        for size in range(_LONGEST, 0, -1):
            kana = _SYLLABLES.get(text[i : i + size])
            if kana:
                out.append(kana)
                i += size
                break
        else:
            return None
    return "".join(out) or None


def long_vowel_readings(kana: str, limit: int = 16) -> list[str]:
    """Readings with the long vowels Hepburn leaves out restored (さと → さと, さとう; ゆき → ゆうき …)."""
    # Romanised names usually drop the second vowel of おう/うう (Sato = さとう, Yuki = ゆうき).
    slots = [
        i for i, ch in enumerate(kana)
        if ch in "おこそとのほもよろごぞどぼぽょくすつぬふむゆるぐずづぶぷゅ" and kana[i + 1 : i + 2] != "う"
    ]  # fmt: skip
    slots = slots[:4]
    readings = []
    for chosen in itertools.product((False, True), repeat=len(slots)):
        parts = list(kana)
        for slot, lengthen in zip(reversed(slots), reversed(chosen), strict=True):
            if lengthen:
                parts.insert(slot + 1, "う")
        readings.append("".join(parts))
        if len(readings) >= limit:
            break
    return readings


def to_katakana(kana: str) -> str:
    """Hiragana to katakana."""
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in kana)
