"""Which retrieved sentences answer a question: a logistic model over a few features, fitted by a script.

The weights come from evals/training/fit_selector.py (JaQuAD train questions with their answer spans, plus
the cards' questions with their quoted sentences); the fitted numbers live in data/selector.json.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from kodomo_ai.index.lexical import char_bigrams, content_terms, index_terms

SELECTOR_FILE = Path(__file__).with_name("data") / "selector.json"
FEATURES = (
    "dense", "dense_gap", "dense_top", "lexical", "weighted_lexical", "hit", "first", "answer_form",
    "digits", "length", "bigrams", "bigrams_gap", "weighted_lexical_gap", "bigrams_before", "bigrams_after",
    "bigrams_rank", "dense_rank", "bigrams_top",
)  # fmt: skip
# What a sentence that answers each kind of question contains: forms of Japanese answers, not question words.
ANSWER_FORMS: dict[str, re.Pattern[str]] = {
    "amount": re.compile(r"\d[\d,.]*\s*(?:円|万円|億円|ドル)|無料|無償|負担なし"),
    "date": re.compile(
        r"\d{1,4}\s*年|\d{1,2}\s*月|\d{1,2}\s*日|令和|平成|昭和|大正|明治|世紀|年代|毎月|偶数月"
    ),
    "duration": re.compile(r"\d+\s*(?:年間|か月|ヶ月|カ月|日間|週間|時間|分|秒)|以内|まで"),
    "age": re.compile(r"\d+\s*(?:歳|才)|満\d|生後|年齢|小学生|中学生|高校生|就学前"),
    "count": re.compile(r"\d+\s*(?:人|名|個|回|件|つ|本|台|か所|箇所|校|社|種|匹|頭|枚|冊|位|点)"),
    "who_where": re.compile(r"窓口|課|センター|役所|市区町村|事務所|機関|協会|会社|大学|省|庁|県|国|氏"),
    "reason": re.compile(r"ため|ので|から|により|によって|理由|目的"),
    "steps": re.compile(r"申請|提出|手続|届出|まず|次に|持参|記入|予約"),
    "definition": re.compile(r"とは|という|をいう|のこと|である"),
    "comparison": re.compile(r"より|一方|違い|異なり|比べ|同じ"),
    "yes_no": re.compile(r"できます|できません|必要です|不要|対象|なりません|ありません|あります"),
}
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Candidate:
    """A sentence (or a list with its lead-in) of one retrieved chunk."""

    text: str
    hit_rank: int  # rank of its chunk among the retrieved ones
    order: int  # position in its chunk


def features(
    question: str, question_vector: np.ndarray, candidates: Sequence[Candidate], vectors: np.ndarray,
    asked: dict[str, float],
) -> np.ndarray:  # fmt: skip
    """One row of FEATURES per candidate."""
    n = len(candidates)
    sims = vectors @ question_vector if n else np.zeros(0)
    wanted = content_terms(question)
    terms = [set(index_terms(c.text)) for c in candidates]
    df = Counter(t for row in terms for t in row & wanted)
    # A question word found in few candidates says more than one found in all of them.
    weight = {t: math.log(1 + n / (df.get(t, 0) + 0.5)) for t in wanted}
    total = sum(weight.values()) or 1.0
    grams = _bigram_overlap(question, candidates)
    weighted = [sum(weight[t] for t in wanted & terms[i]) / total for i in range(n)]
    grams_rank, dense_rank = _ranks(grams), _ranks(sims)
    rows = []
    for i, cand in enumerate(candidates):
        shared = wanted & terms[i]
        form = sum(
            p for kind, p in asked.items() if kind in ANSWER_FORMS and ANSWER_FORMS[kind].search(cand.text)
        )
        # The answer often sits beside the sentence that repeats the question's words (same chunk).
        before = grams[i - 1] if i > 0 and candidates[i - 1].hit_rank == cand.hit_rank else 0.0
        after = grams[i + 1] if i + 1 < n and candidates[i + 1].hit_rank == cand.hit_rank else 0.0
        rows.append([
            float(sims[i]), float(sims[i] - sims.max()), float(sims[i] == sims.max()),
            len(shared) / max(len(wanted), 1), weighted[i],
            1.0 / (1 + cand.hit_rank), float(cand.order == 0), form,
            float(bool(_DIGIT.search(cand.text))), math.log(max(len(cand.text), 1)),
            grams[i], grams[i] - max(grams), weighted[i] - max(weighted), before, after,
            1.0 / (1 + grams_rank[i]), 1.0 / (1 + dense_rank[i]), float(grams_rank[i] == 0),
        ])  # fmt: skip
    return np.asarray(rows, dtype=np.float64).reshape(n, len(FEATURES))


def _bigram_overlap(question: str, candidates: Sequence[Candidate]) -> list[float]:
    """Idf-weighted share of the question's character bigrams in each candidate (robust to word splits)."""
    asked = set(char_bigrams(question))
    grams = [set(char_bigrams(c.text)) & asked for c in candidates]
    df = Counter(g for row in grams for g in row)
    weight = {g: math.log(1 + len(candidates) / (df.get(g, 0) + 0.5)) for g in asked}
    total = sum(weight.values()) or 1.0
    return [sum(weight[g] for g in row) / total for row in grams]


def _ranks(values: Sequence[float] | np.ndarray) -> list[int]:
    """0 for the highest value, 1 for the next … (ties by position, so the result is deterministic)."""
    order = sorted(range(len(values)), key=lambda i: (-float(values[i]), i))
    ranks = [0] * len(values)
    for rank, i in enumerate(order):
        ranks[i] = rank
    return ranks


@dataclass(frozen=True)
class SentenceSelector:
    """Standardised features → logistic probability that a sentence holds the answer; `threshold` adds more."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # a sentence after the lead joins when its probability reaches this (F1 cut, held out)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """P(answer sentence) per row of features()."""
        if not len(rows):
            return np.zeros(0)
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def from_dict(cls, data: dict) -> SentenceSelector:
        """From the fitted JSON (see evals/training/fit_selector.py)."""
        if list(data["features"]) != list(FEATURES):
            raise ValueError(f"selector fitted on features {data['features']}, code has {list(FEATURES)}")
        return cls(
            np.asarray(data["mean"]), np.asarray(data["scale"]), np.asarray(data["coef"]),
            float(data["intercept"]), float(data["threshold"]),
        )  # fmt: skip


@lru_cache(maxsize=1)
def load_selector(path: Path = SELECTOR_FILE) -> SentenceSelector:
    """The committed fitted selector."""
    return SentenceSelector.from_dict(json.loads(path.read_text(encoding="utf-8")))
