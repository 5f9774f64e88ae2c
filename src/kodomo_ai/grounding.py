"""Grounding check: every number in an answer must occur in its cited evidence, rule results or the question."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A number with what follows it; phone-like runs (0120-279-338, #8000) are taken whole.
_NUMBER = re.compile(r"#?\d[\d,]*(?:\.\d+)?(?:-\d+)*")
_MARKER = re.compile(r"\[\d{1,2}\]")
# A bare small number ("2つの", "1つ目") is phrasing; with one of these units it is a fact to check.
_UNITS = (
    "円",
    "歳",
    "才",
    "時間",
    "日",
    "か月",
    "ヶ月",
    "カ月",
    "ケ月",
    "週",
    "年",
    "月",
    "%",
    "％",
    "人",
    "回",
    "分",
    "点",
    "号",
    "万",
    "千",
    "階層",
    "時",
)


@dataclass
class GroundingResult:
    """Which numbers were found unsupported."""

    ungrounded: list[str]

    @property
    def ok(self) -> bool:
        """True when nothing is unsupported."""
        return not self.ungrounded


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(",", "")


def numbers_in(text: str) -> list[str]:
    """Numbers in `text` that state a fact (amounts, dates, ages, hours, phone numbers)."""
    text = _MARKER.sub("", unicodedata.normalize("NFKC", text))
    out = []
    for match in _NUMBER.finditer(text):
        token = match.group(0).rstrip(",")
        following = text[match.end() : match.end() + 3]
        plain = token.replace(",", "")
        if len(plain) >= 2 or token.startswith("#") or following.startswith(_UNITS):
            out.append(token)
    return out


def check_grounding(answer: str, evidence: list[str]) -> GroundingResult:
    """Numbers of `answer` that appear in none of the evidence texts (commas ignored)."""
    haystack = "\n".join(_normal(e) for e in evidence)
    support = set(re.findall(r"#?\d[\d.]*(?:-\d+)*", haystack))
    # "0120-279-338" in the evidence also supports its parts, and "#8000" supports "8000".
    support |= {part for token in list(support) for part in token.lstrip("#").split("-")}
    missing = []
    for token in numbers_in(answer):
        plain = _normal(token)
        if plain in support:
            continue
        missing.append(token)
    return GroundingResult(ungrounded=missing)
