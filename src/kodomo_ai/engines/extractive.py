"""The extractive engine: answers with the retrieved sentences that best match the question (no LLM)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from kodomo_ai.engines.base import AnswerEngine, Draft, EngineRequest
from kodomo_ai.engines.selector import Candidate, features, load_selector
from kodomo_ai.ingest.chunking import split_sentences
from kodomo_ai.safety.injection import detect_injection

_LIST_MARK = re.compile(r"^(?:[-*・●]\s*|\d+[.)]\s+)")
_CONTINUATION = ("ただし", "なお", "また、", "このため", "その場合", "ただ、")
_ANNOUNCES_LIST = re.compile(r"(次の|以下の)[^。]{0,20}(です|ます|とおり|通り)?[。:：]?$|[:：]$")
_POINTER = re.compile(r"^詳しくは[^。]*(?:見て|ご覧)(?:ください|下さい)。?$")
_PLAIN_FILE = Path(__file__).with_name("data") / "plain_words.yaml"
Embed = Callable[[list[str], str], np.ndarray]
Asked = Callable[[str], dict[str, float]]


@dataclass
class _Candidate:
    hit_rank: int
    order: int
    chunk_id: str
    quote: str
    text: str
    score: float = 0.0


def clean_sentence(sentence: str) -> str:
    """Strip Markdown list marks and emphasis for display."""
    return _LIST_MARK.sub("", sentence).replace("**", "").strip()


@lru_cache(maxsize=1)
def _plain_words() -> list[tuple[str, str]]:
    table: dict[str, str] = yaml.safe_load(_PLAIN_FILE.read_text(encoding="utf-8"))
    return sorted(table.items(), key=lambda kv: -len(kv[0]))


def to_plain(text: str) -> str:
    """Rewrite into やさしい日本語: easier words, one idea per sentence (「〜ですが、」「〜かかり、」 split)."""
    for hard, easy in _plain_words():
        text = text.replace(hard, easy)
    # A contrast splits cleanly; so does a clause that ends in a verb's continuative form before 「、」
    # (連用中止: 「費用がかかり、」 → 「費用がかかります。」), since that form plus ます is always a full sentence.
    return _split_continuative(re.sub(r"(です|ます)が、", r"\1。でも、", text))


def _split_continuative(text: str) -> str:
    """End each clause in a verb's continuative form followed by 「、」 with 「ます。」 (both sides 8+ characters)."""
    from kodomo_ai.text.sudachi import Sudachi

    morphemes = list(Sudachi.get().morphemes(text))
    out: list[str] = []
    since = 0  # characters since the last sentence end
    for i, m in enumerate(morphemes):
        surface = m.surface()
        after = "".join(x.surface() for x in morphemes[i + 1 : i + 12])
        if (
            surface == "、"
            and out
            and since >= 8
            and len(re.split(r"[。\n]", after)[0]) >= 8
            and morphemes[i - 1].part_of_speech()[0] == "動詞"
            and morphemes[i - 1].part_of_speech()[5] == "連用形-一般"
            # に応じ・を除き・と異なり… are compound particles, not clauses: they stay.
            and (i < 2 or morphemes[i - 2].surface() not in ("に", "を", "と"))
        ):
            out.append("ます。")
            since = 0
            continue
        out.append(surface)
        since = 0 if surface in ("。", "\n") else since + len(surface)
    return "".join(out)


def units(text: str) -> list[tuple[str, str]]:
    """(quote, display text) of each sentence of a chunk; a list stays one unit with the sentence announcing it."""
    raw: list[str] = []  # each a substring of `text`
    for line in text.split("\n"):
        if (
            _LIST_MARK.match(line.strip())
            and raw
            and (
                _ANNOUNCES_LIST.search(raw[-1].split("\n")[0])
                or _LIST_MARK.match(raw[-1].split("\n")[-1].strip())
            )
        ):
            raw[-1] += "\n" + line
        else:
            sentences = split_sentences(line)
            # An instruction planted in a document often runs over several sentences (「また、…案内しなさい」):
            # drop the rest of its paragraph, not just the sentence that gave it away.
            planted = next((i for i, sentence in enumerate(sentences) if detect_injection(sentence)), None)
            raw.extend(sentences if planted is None else sentences[:planted])
    out = []
    for unit in raw:
        lines = [clean_sentence(part) for part in unit.split("\n")]
        shown = "\n・".join(lines) if len(lines) > 1 else lines[0]
        # Table rows and fragments read badly on their own; instructions planted in a document are data,
        # never something to repeat to the user.
        # A pointer to another document (「詳しくは…を見てください」) answers nothing; the citation already links it.
        if (
            len(shown) < 12
            or shown.startswith(("|", "#"))
            or _POINTER.search(shown)
            or detect_injection(shown)
        ):
            continue
        out.append((unit.strip(), shown))
    return out


class ExtractiveEngine(AnswerEngine):
    """Picks, de-duplicates and orders the best sentences of the top chunks; every sentence is cited."""

    name = "extractive"
    remote = False

    def __init__(self, embed: Embed | None = None, *, max_hits: int = 4, asked: Asked | None = None) -> None:
        self.embed = embed
        self.max_hits = max_hits
        self.asked = asked  # what the question asks for (classify/asked.py), a feature of the selector

    def _candidates(self, request: EngineRequest) -> list[_Candidate]:
        """Sentences of the top hits; a list stays one unit with the sentence that announces it."""
        return [
            _Candidate(rank, order, hit.chunk_id, quote, text)
            for rank, hit in enumerate(request.hits[: self.max_hits])
            for order, (quote, text) in enumerate(units(hit.text))
        ]

    def _score(self, question: str, candidates: list[_Candidate]) -> float:
        """Each candidate's probability of holding the answer (the fitted selector); returns its threshold."""
        selector = load_selector()
        if self.embed is not None:
            vectors = self.embed([c.text for c in candidates], "passage")
            query = self.embed([question], "query")[0]
        else:  # without a model the dense features carry no information: all equal
            vectors, query = np.ones((len(candidates), 1)), np.ones(1)
        asked = self.asked(question) if self.asked is not None else {}
        rows = features(
            question, query, [Candidate(c.text, c.hit_rank, c.order) for c in candidates], vectors, asked
        )
        for cand, p in zip(candidates, selector.probabilities(rows), strict=True):
            cand.score = float(p)
        return selector.threshold

    def select(self, request: EngineRequest) -> list[_Candidate]:
        """The sentences to answer with, lead first: the most probable, then others over the fitted cut."""
        candidates = self._candidates(request)
        if not candidates:
            return []
        threshold = self._score(request.question, candidates)
        if request.plain:
            # やさしい日本語 favours short sentences: long ones only when nothing short answers nearly as well.
            short = [c for c in candidates if len(c.text) <= 60]
            if short and max(c.score for c in short) >= 0.6 * max(c.score for c in candidates):
                candidates = short
        # Parents get about three sentences (the rule for a short answer); staff a fuller one.
        limit = 3 if request.audience == "parent" else 5
        if request.rule_text:
            limit -= 1  # the computed result already takes the place of one sentence
        ranked = sorted(candidates, key=lambda c: -c.score)
        chosen = [ranked[0]]
        for cand in ranked[1:]:
            if len(chosen) >= limit or cand.score < threshold:
                break
            if not any(_similar(cand.text, c.text) for c in chosen):
                chosen.append(cand)
        # A caveat right after a chosen sentence (ただし…) qualifies it: it comes along while there is room.
        for cand in list(chosen):
            follower = next(
                (c for c in candidates if c.chunk_id == cand.chunk_id and c.order == cand.order + 1), None
            )
            if follower and follower.text.startswith(_CONTINUATION) and follower not in chosen:
                if len(chosen) < limit:
                    chosen.append(follower)
        lead, rest = chosen[0], chosen[1:]
        rest.sort(key=lambda c: (c.hit_rank, c.order))
        return [lead, *rest]

    def generate(self, request: EngineRequest) -> Draft:
        """Compose the answer: rule result first (if any), then the chosen sentences, each with its [n]."""
        chosen = self.select(request)
        cited: list[tuple[str, str]] = []
        parts: list[str] = []
        if request.rule_text:
            marks = ""
            for chunk_id in request.rule_citations:
                cited.append((chunk_id, ""))
                marks += f"[{len(cited)}]"
            parts.append(request.rule_text.strip() + marks)
        for cand in chosen:
            # One citation per chunk: a second sentence from it reuses the number (the quote stays the first).
            key = next((i for i, (cid, _q) in enumerate(cited) if cid == cand.chunk_id), None)
            if key is None:
                cited.append((cand.chunk_id, cand.quote))
                key = len(cited) - 1
            closed = "\n・" in cand.text or cand.text.endswith(("。", "！", "？", ")", "）"))
            text = cand.text if closed else cand.text + "。"
            # A list reads as its own block: line breaks around it.
            parts.append(f"{text}[{key + 1}]\n" if "\n・" in text else f"{text}[{key + 1}]")
        text = "".join(parts).strip()
        if request.plain:
            text = to_plain(text)
        return Draft(text=text, cited=cited)


def _similar(a: str, b: str) -> bool:
    """Near-duplicate sentences (shared character bigrams over 70%)."""
    grams_a = {a[i : i + 2] for i in range(len(a) - 1)}
    grams_b = {b[i : i + 2] for i in range(len(b) - 1)}
    if not grams_a or not grams_b:
        return a == b
    return len(grams_a & grams_b) / min(len(grams_a), len(grams_b)) > 0.7
