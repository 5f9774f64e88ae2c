"""Stage 3, understand: the questions a message asks, each with the words retrieval uses and its scope."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kodomo_ai.classify.risk import split_segments
from kodomo_ai.classify.scope import ScopeDecision
from kodomo_ai.consult.mask import MaskedMessage
from kodomo_ai.index.lexical import content_terms, spell_out_kana
from kodomo_ai.ingest.normalise import normalise_text
from kodomo_ai.safety.pii import Masked
from kodomo_ai.safety.router import RouteDecision
from kodomo_ai.text.fold import normalise
from kodomo_ai.text.sudachi import Sudachi

if TYPE_CHECKING:
    from kodomo_ai.classify.scope import ScopeReader

# Line-initial list marks (・, -, ①, 1.) that people number their questions with.
_BULLET = re.compile(r"^\s*(?:[・\-*●]|[①-⑨]|\(?\d{1,2}[.)）])\s*")
# A follow-up leans on the previous turn: short, or opening with a pointer back (それ, じゃあ …).
_FOLLOW_UP = re.compile(
    r"^(それ|その|そちら|そっち|これ|この|あれ|じゃあ|では|なら|でも|だったら|ちなみに|あと|ほか|他)"
)
# A question this short cannot carry its own topic, so it is read as a follow-up.
_SHORT = 15


@dataclass
class Question:
    """One question to answer: the user's (masked) words, the words retrieval uses, and whose business it is."""

    text: str
    query: str  # standalone: a follow-up's borrowed topic added, katakana loanwords spelled out
    scope: ScopeDecision | None = None  # another office's question, one's own case, a person asked for …


@dataclass
class Understood:
    """A message as the later stages see it: the user's words, their masked form, its questions in order."""

    question: str
    masked: Masked
    questions: list[Question]
    note: RouteDecision | None = None  # the router's gray-zone note, shown above the answer


def understand(
    message: MaskedMessage, splitter: QuestionSplitter | None = None, scope: ScopeReader | None = None
) -> Understood:
    """Split the masked message into its questions; a single question borrows a follow-up's topic."""
    text = message.masked.text
    parts = splitter.split(text) if splitter is not None else []
    if len(parts) >= 2:
        questions = [Question(p.text, spell_out_kana(p.query), _scope(scope, p.text)) for p in parts]
    else:
        query = spell_out_kana(rewrite(text, message.history))
        questions = [Question(text, query, _scope(scope, text))]
    return Understood(message.question, message.masked, questions, message.note)


def _scope(reader: ScopeReader | None, text: str) -> ScopeDecision | None:
    return reader.read(text) if reader is not None else None


def rewrite(question: str, history: list[dict[str, str]]) -> str:
    """Make a follow-up standalone by prefixing the previous question's topic (deterministic, no LLM)."""
    previous = [m["content"] for m in history if m.get("role") == "user" and m.get("content")]
    if not previous:
        return question
    if _FOLLOW_UP.match(question) or len(question) <= _SHORT:
        # Only the earlier topic (its nouns) carries over: the new question's own ask must decide the answer.
        return f"{topic(normalise_text(previous[-1]))} {question}"
    return question


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
