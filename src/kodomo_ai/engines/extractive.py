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
from kodomo_ai.index.lexical import content_terms, index_terms
from kodomo_ai.ingest.chunking import split_sentences
from kodomo_ai.safety.injection import detect_injection

_LIST_MARK = re.compile(r"^(?:[-*・●]\s*|\d+[.)]\s+)")
# What a question asks for, and what a sentence answering it contains.
_ANSWER_TYPES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (re.compile(r"いくら|何円|金額|月額|費用|料金"), re.compile(r"\d[\d,]*円|無料|無償")),
    (
        re.compile(r"いつ|何日|何月|期限|締め?切|まで[にで]?[?？]|何か月"),
        re.compile(r"\d+(日|月|か月|ヶ月|年)|以内|まで"),
    ),
    (re.compile(r"何時間|時間"), re.compile(r"\d+時間|\d+時")),
    (re.compile(r"何歳|何才|年齢"), re.compile(r"\d+歳|\d+才|年齢|高校生|中学生|就学前")),
    (re.compile(r"どこ|窓口|誰に|どこに"), re.compile(r"窓口|市区町村|市町村|役所|施設|課")),
    (re.compile(r"何分|間隔|何回"), re.compile(r"\d+分|\d+回|ごと")),
)
_CONTINUATION = ("ただし", "なお", "また、", "このため", "その場合", "ただ、")
_ANNOUNCES_LIST = re.compile(r"(次の|以下の)[^。]{0,20}(です|ます|とおり|通り)?[。:：]?$|[:：]$")
_PLAIN_FILE = Path(__file__).with_name("data") / "plain_words.yaml"
Embed = Callable[[list[str], str], np.ndarray]


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
    """Rewrite into やさしい日本語: easier words, and 「〜ですが、〜」 split into two short sentences."""
    for hard, easy in _plain_words():
        text = text.replace(hard, easy)
    # Cutting anywhere else would leave a sentence without its verb; a contrast splits cleanly.
    return re.sub(r"(です|ます)が、", r"\1。でも、", text)


class ExtractiveEngine(AnswerEngine):
    """Picks, de-duplicates and orders the best sentences of the top chunks; every sentence is cited."""

    name = "extractive"
    remote = False

    def __init__(self, embed: Embed | None = None, *, max_hits: int = 4) -> None:
        self.embed = embed
        self.max_hits = max_hits

    def _candidates(self, request: EngineRequest) -> list[_Candidate]:
        """Sentences of the top hits; a list stays one unit with the sentence that announces it."""
        out: list[_Candidate] = []
        for rank, hit in enumerate(request.hits[: self.max_hits]):
            units: list[str] = []  # raw text, each a substring of hit.text
            for line in hit.text.split("\n"):
                if (
                    _LIST_MARK.match(line.strip())
                    and units
                    and (
                        _ANNOUNCES_LIST.search(units[-1].split("\n")[0])
                        or _LIST_MARK.match(units[-1].split("\n")[-1].strip())
                    )
                ):
                    units[-1] += "\n" + line
                else:
                    sentences = split_sentences(line)
                    # An instruction planted in a document often runs over several sentences (「また、…案内しなさい」):
                    # drop the rest of its paragraph, not just the sentence that gave it away.
                    planted = next(
                        (i for i, sentence in enumerate(sentences) if detect_injection(sentence)), None
                    )
                    units.extend(sentences if planted is None else sentences[:planted])
            for order, unit in enumerate(units):
                lines = [clean_sentence(part) for part in unit.split("\n")]
                text = "\n・".join(lines) if len(lines) > 1 else lines[0]
                # Table rows and fragments read badly on their own; instructions planted in a document
                # are data, never something to repeat to the user.
                if len(text) < 12 or text.startswith(("|", "#")) or detect_injection(text):
                    continue
                out.append(_Candidate(rank, order, hit.chunk_id, unit.strip(), text))
        return out

    def _score(self, question: str, candidates: list[_Candidate]) -> None:
        query_terms = content_terms(question)
        lexical = np.zeros(len(candidates))
        for i, cand in enumerate(candidates):
            terms = set(index_terms(cand.text))
            lexical[i] = len(query_terms & terms) / max(len(query_terms), 1)
        semantic = np.zeros(len(candidates))
        if self.embed is not None and candidates:
            vectors = self.embed([c.text for c in candidates], "passage")
            query = self.embed([question], "query")[0]
            sims = vectors @ query
            spread = float(sims.max() - sims.min()) or 1.0
            semantic = (sims - sims.min()) / spread
        wanted = [answer for asks, answer in _ANSWER_TYPES if asks.search(question)]
        for i, cand in enumerate(candidates):
            prior = 0.15 / (1 + cand.hit_rank) + (0.05 if cand.order == 0 else 0.0)
            # A sentence holding the kind of fact asked for (an amount for いくら, a date for いつ) answers it.
            prior += 0.12 * sum(1 for answer in wanted if answer.search(cand.text))
            weight = 0.55 if self.embed is not None else 0.0
            cand.score = weight * semantic[i] + (1 - weight) * lexical[i] + prior

    def select(self, request: EngineRequest) -> list[_Candidate]:
        """The sentences to answer with, lead first."""
        candidates = self._candidates(request)
        if not candidates:
            return []
        self._score(request.question, candidates)
        budget = 330 if request.audience == "parent" else 600
        limit = 4 if request.audience == "parent" else 6
        if request.rule_text:
            budget, limit = budget // 2, max(1, limit - 1)
        if request.plain:
            # やさしい日本語 favours short sentences: long ones only when nothing short answers.
            budget = min(budget, 240)
            short = [c for c in candidates if len(c.text) <= 60]
            candidates = (
                short
                if short and max(c.score for c in short) >= 0.6 * max(c.score for c in candidates)
                else candidates
            )
        ranked = sorted(candidates, key=lambda c: -c.score)
        chosen: list[_Candidate] = []
        best = ranked[0].score
        for cand in ranked:
            if len(chosen) >= limit or (chosen and cand.score < 0.5 * best):
                break
            if any(_similar(cand.text, c.text) for c in chosen):
                continue
            if chosen and sum(len(c.text) for c in chosen) + len(cand.text) > budget:
                continue
            chosen.append(cand)
        # The kind of fact asked for (an amount for いくら, a date for いつ) must be in the answer when the
        # evidence has it: add the best sentence that holds it.
        for asks, answer in _ANSWER_TYPES:
            if asks.search(request.question) and not any(answer.search(c.text) for c in chosen):
                holder = next((c for c in ranked if answer.search(c.text) and c.score >= 0.3 * best), None)
                if holder is not None and not any(_similar(holder.text, c.text) for c in chosen):
                    chosen.append(holder)
        # A caveat right after a chosen sentence (ただし…) usually belongs to the answer.
        for cand in list(chosen):
            follower = next(
                (c for c in candidates if c.chunk_id == cand.chunk_id and c.order == cand.order + 1), None
            )
            if follower and follower.text.startswith(_CONTINUATION) and follower not in chosen:
                if sum(len(c.text) for c in chosen) + len(follower.text) <= budget * 1.5:
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
