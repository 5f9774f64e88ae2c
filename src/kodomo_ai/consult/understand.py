"""Understand: split a message into the questions it asks (context sentences stay with their question)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kodomo_ai.classify.risk import split_segments
from kodomo_ai.index.lexical import content_terms
from kodomo_ai.text.fold import normalise
from kodomo_ai.text.sudachi import Sudachi

# Line-initial list marks (・, -, ①, 1.) that people number their questions with.
_BULLET = re.compile(r"^\s*(?:[・\-*●]|[①-⑨]|\(?\d{1,2}[.)）])\s*")


@dataclass
class Part:
    """One question of a message: its own words, and the words retrieval uses (topic carried over)."""

    text: str
    query: str


@dataclass
class QuestionSplitter:
    """A sentence classifier (question vs context) fitted on labelled messages with their parts."""

    vectorizer: Any
    model: Any
    threshold: float = 0.5  # the probability cut of a calibrated binary classifier's Bayes decision
    report: dict[str, float] = field(default_factory=dict)

    def is_question(self, sentences: list[str]) -> list[bool]:
        """Whether each sentence asks something of its own."""
        if not sentences:
            return []
        proba = self.model.predict_proba(self.vectorizer.transform([_marked(s) for s in sentences]))[:, 1]
        return [bool(p >= self.threshold) for p in proba]

    def split(self, text: str) -> list[Part]:
        """The questions of `text` in order; a single question (with its context) when it asks only one."""
        sentences = [_BULLET.sub("", s) for s in split_segments(text)[1:]] or [text.strip()]
        flags = self.is_question(sentences)
        if sum(flags) < 2:
            return [Part(text.strip(), text.strip())]
        parts: list[str] = []
        context = ""
        for sentence, asks in zip(sentences, flags, strict=True):
            if asks:
                parts.append(context + sentence)
                context = ""
            else:
                context += sentence
        if context:  # trailing context (a greeting, a thank-you) belongs to the last question
            parts[-1] += context
        topic = content_terms(parts[0])
        out = [Part(parts[0], parts[0])]
        for part in parts[1:]:
            # A second question often leaves its topic out ("and after moving?"): it borrows the first one's.
            carried = sorted(topic - content_terms(part))
            out.append(Part(part, f"{part} {' '.join(carried)}".strip()))
        return out


def topic(text: str) -> str:
    """The nouns of a question in order (出生届はいつまでに出せばいいですか → 出生届): what a follow-up borrows."""
    words: list[str] = []
    for m in Sudachi.get().morphemes(normalise(text)):
        pos = m.part_of_speech()
        if pos[0] == "名詞" and pos[1] != "代名詞" and m.surface() not in words:
            words.append(m.surface())
    return " ".join(words)


def _marked(sentence: str) -> str:
    """The folded sentence plus its last characters marked apart: how a sentence ends says whether it asks."""
    folded = normalise(sentence)
    return f"{folded} ⟨{folded[-4:]}⟩"


def _sentence_labels(items: list[dict[str, Any]]) -> tuple[list[str], list[int]]:
    """Sentences of the labelled messages: 1 when a sentence ends one of the message's parts."""
    texts: list[str] = []
    labels: list[int] = []
    for item in items:
        parts = [normalise(p) for p in item.get("parts") or []]
        for sentence in split_segments(str(item.get("text", "")))[1:] or [str(item.get("text", ""))]:
            folded = normalise(_BULLET.sub("", sentence))
            tail = folded[-6:]
            texts.append(sentence)
            labels.append(int(any(p.endswith(tail) or tail in p[-10:] for p in parts if len(tail) >= 3)))
    return texts, labels


_LOCK = threading.Lock()
_SPLITTERS: dict[str, QuestionSplitter] = {}


def load_splitter(path: Path) -> QuestionSplitter:
    """Fit the splitter on `path` (a YAML list of {text, parts}) once per process; it takes about a second."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    with _LOCK:
        if str(path) in _SPLITTERS:
            return _SPLITTERS[str(path)]
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = data.get("items") if isinstance(data, dict) else data
        texts, labels = _sentence_labels(items or [])
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True, min_df=1)
        features = vectorizer.fit_transform([_marked(t) for t in texts])
        model = LogisticRegression(C=4.0, max_iter=2000)
        accuracy = float(cross_val_score(model, features, labels, cv=5).mean())
        model.fit(features, labels)
        splitter = QuestionSplitter(
            vectorizer, model, report={"sentences": len(texts), "cv_accuracy": accuracy}
        )
        _SPLITTERS[str(path)] = splitter
        return splitter
