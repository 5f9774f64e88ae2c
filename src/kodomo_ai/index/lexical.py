"""Word index: BM25 over Sudachi tokens with domain synonyms and 和暦/西暦 folding."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from kodomo_ai.text.sudachi import MAX_CHARS as _MAX_CHARS
from kodomo_ai.text.sudachi import Sudachi as _Sudachi

_SYNONYMS_FILE = Path(__file__).with_name("data") / "synonyms.yaml"
_KANA_FILE = Path(__file__).with_name("data") / "kana_spellings.yaml"
# Parts of speech that carry no topic: particles, auxiliaries, symbols, blanks.
_DROP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_WAREKI = re.compile(r"(令和|平成|昭和)(元|\d{1,2})年")
_SEIREKI = re.compile(r"(19[2-9]\d|20\d\d)年")


@lru_cache(maxsize=1)
def _synonym_table() -> tuple[re.Pattern[str], dict[str, str]]:
    table: dict[str, list[str]] = yaml.safe_load(_SYNONYMS_FILE.read_text(encoding="utf-8"))
    mapping = {variant: canonical for canonical, variants in table.items() for variant in variants}
    mapping.update({canonical: canonical for canonical in table})
    pattern = re.compile("|".join(re.escape(v) for v in sorted(mapping, key=len, reverse=True)))
    return pattern, mapping


@lru_cache(maxsize=1)
def _kana_table() -> tuple[re.Pattern[str], dict[str, str]]:
    table: dict[str, list[str]] = yaml.safe_load(_KANA_FILE.read_text(encoding="utf-8"))
    mapping = {variant: written for written, variants in table.items() for variant in variants}
    return re.compile("|".join(re.escape(v) for v in sorted(mapping, key=len, reverse=True))), mapping


def spell_out_kana(text: str) -> str:
    """Write domain words typed in kana (じどうてあて, ふくしょくひ) the way documents write them."""
    pattern, mapping = _kana_table()
    return pattern.sub(lambda m: mapping[m.group(0)], text)


def apply_synonyms(text: str) -> str:
    """Rewrite known variants (保育園, 育休, タダ …) to their canonical word."""
    pattern, mapping = _synonym_table()
    return pattern.sub(lambda m: mapping[m.group(0)], text)


def year_aliases(text: str) -> list[str]:
    """Return the other calendar's form of every year in `text` (令和7年 -> 2025年 and back)."""
    out = []
    for era, year in _WAREKI.findall(text):
        number = 1 if year == "元" else int(year)
        out.append(f"{_ERAS[era] + number}年")
    for year in _SEIREKI.findall(text):
        western = int(year)
        era = next(((e, b) for e, b in _ERAS.items() if western > b), None)
        if era is not None:  # years before 昭和 have no alias here
            out.append(f"{era[0]}{western - era[1]}年")
    return out


def tokenize(text: str) -> list[str]:
    """Content words of `text` as Sudachi normalized forms (mode C plus A-unit parts), particles and symbols dropped."""
    return [w for w, pos in _Sudachi.get().words(text) if pos not in _DROP_POS and w.strip()]


def proper_nouns(text: str) -> list[tuple[str, str]]:
    """(surface, kind) of place, organisation and person names Sudachi finds in `text`."""
    out = []
    sudachi = _Sudachi.get()
    with sudachi._lock:
        for m in sudachi.tokenizer.tokenize(text[:_MAX_CHARS], sudachi.mode):
            pos = m.part_of_speech()
            if pos[0] == "名詞" and pos[1] == "固有名詞" and pos[2] in ("地名", "組織名", "一般"):
                out.append((m.surface(), pos[2]))
    return out


def full_name_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of a surname followed by a given name (山田花子, 高橋さくら), as Sudachi tags them."""
    spans = []
    sudachi = _Sudachi.get()
    with sudachi._lock:
        morphemes = list(sudachi.tokenizer.tokenize(text[:_MAX_CHARS], sudachi.mode))
    for first, second in zip(morphemes, morphemes[1:], strict=False):
        if first.part_of_speech()[2:4] == ("人名", "姓") and second.part_of_speech()[2:4] == ("人名", "名"):
            spans.append((first.begin(), second.end()))
    return spans


# Words that appear in almost every question and say nothing about its topic.
_QUESTION_WORDS = {"する", "ある", "いる", "なる", "こと", "ため", "もの", "よう", "場合", "ない", "できる", "いい", "良い",
         "何", "どう", "どこ", "いつ", "いくら", "教える", "知る", "思う", "?"}  # fmt: skip


def content_terms(question: str) -> set[str]:
    """The topic words of a question: its index terms without the words every question has (する, どう, いくら …)."""
    return {t for t in index_terms(question) if t not in _QUESTION_WORDS}


def index_terms(text: str) -> list[str]:
    """Terms for the word index: synonyms folded, then tokenised, plus year aliases."""
    folded = apply_synonyms(spell_out_kana(text))
    return tokenize(folded) + [t for alias in year_aliases(folded) for t in tokenize(alias)]


def char_bigrams(text: str) -> list[str]:
    """Character bigrams (what a tokenizer-less tool indexes), for the benchmark baseline."""
    compact = re.sub(r"\s+", "", text)
    return [compact[i : i + 2] for i in range(len(compact) - 1)]


class BM25:
    """Okapi BM25 over pre-tokenised documents, scored with an inverted index and numpy."""

    def __init__(self, docs: Iterable[list[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        postings: dict[str, list[tuple[int, int]]] = {}
        lengths = []
        for i, terms in enumerate(docs):
            lengths.append(len(terms))
            for term, tf in Counter(terms).items():
                postings.setdefault(term, []).append((i, tf))
        self.size = len(lengths)
        self.lengths = np.asarray(lengths, dtype=np.float32)
        avg = float(self.lengths.mean()) if self.size else 1.0
        self.norm = k1 * (1 - b + b * self.lengths / max(avg, 1e-9))
        self.k1 = k1
        self.postings: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
        for term, plist in postings.items():
            ids = np.fromiter((d for d, _ in plist), dtype=np.int32, count=len(plist))
            tfs = np.fromiter((t for _, t in plist), dtype=np.float32, count=len(plist))
            idf = math.log(1 + (self.size - len(plist) + 0.5) / (len(plist) + 0.5))
            self.postings[term] = (ids, tfs, idf)

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every document for the query terms."""
        out = np.zeros(self.size, dtype=np.float32)
        for term in set(query_terms):
            entry = self.postings.get(term)
            if entry is None:
                continue
            ids, tfs, idf = entry
            out[ids] += idf * tfs * (self.k1 + 1) / (tfs + self.norm[ids])
        return out

    def top(self, query_terms: list[str], k: int, mask: Any = None) -> list[tuple[int, float]]:
        """The k best (index, score) pairs with a positive score, optionally within a boolean mask."""
        scores = self.scores(query_terms)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return []
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.argsort(-scores[idx])]
        return [(int(i), float(scores[i])) for i in idx]
