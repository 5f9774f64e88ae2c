"""Document trust: a document is data. Instruction-like sentences and changed contact numbers keep it out.

Instructions are found by the learned risk classifier (its `refuse_instruction` label), sentence by sentence
and over each pair of neighbouring sentences, so an order spread over two sentences is read together. The
cut for documents is fitted by bench/trust_threshold.py (F0.5 over written planted instructions against the
trusted corpus, never below the cut used for questions) and read from trust_threshold.yaml. Contact numbers come only from the contacts configuration: a sentence that
names a configured line (by name or number) next to a phone number the configuration does not have is a
conflict.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from kodomo_ai.ingest.chunking import split_sentences
from kodomo_ai.ingest.screen import DocumentScreen, Finding
from kodomo_ai.safety.contacts import ContactBook
from kodomo_ai.schema import Document

if TYPE_CHECKING:
    from kodomo_ai.classify.risk import RiskAssessor
    from kodomo_ai.config import Settings

log = logging.getLogger(__name__)

INSTRUCTION_LABEL = "refuse_instruction"
THRESHOLD_FILE = Path(__file__).with_name("trust_threshold.yaml")
# Bump when the sentence split or the conflict rule changes: every indexed document is screened again.
TRUST_FORMAT = "1"
_URL = re.compile(r"https?://\S+")
_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*|\|)")
_PHONE = re.compile(r"(?<![\d#-])(?:#\d{4}|0\d{1,4}-\d{1,4}-\d{3,4}|0120\d{6}|0\d{9,10})(?![\d-])")
_QUOTED = re.compile(r"[「『\"](.+?)[」』\"]")
# Fewer characters than this carry no instruction (headings, table cells, list numbers).
_MIN_CHARS = 8


def document_sentences(text: str) -> list[str]:
    """The sentences of a document, line by line, with list and heading marks removed."""
    out: list[str] = []
    for line in text.splitlines():
        line = _MARKUP.sub("", line).strip(" |")
        out.extend(s for s in split_sentences(line) if len(s) >= _MIN_CHARS)
    return out


def screened_pieces(sentences: list[str]) -> list[str]:
    """What the classifier reads: every sentence, then every pair of neighbouring sentences."""
    return sentences + [f"{a}{b}" for a, b in zip(sentences, sentences[1:], strict=False)]


def document_threshold(model_fingerprint: str, question_cut: float) -> float:
    """The fitted cut for document sentences (never below the cut used for questions)."""
    if not THRESHOLD_FILE.exists():
        log.warning(
            "%s is missing: run bench/trust_threshold.py; using the question cut", THRESHOLD_FILE.name
        )
        return question_cut
    fitted = yaml.safe_load(THRESHOLD_FILE.read_text(encoding="utf-8"))
    if fitted.get("model_fingerprint") != model_fingerprint:
        log.warning(
            "the document threshold was fitted for another risk model: rerun bench/trust_threshold.py"
        )
    return max(float(fitted["threshold"]), question_cut)


def _digits(number: str) -> str:
    return re.sub(r"[^\d#]", "", number)


class DocumentTrust(DocumentScreen):
    """Screens documents with the fitted risk classifier and the contact book."""

    def __init__(self, assessor: RiskAssessor, contacts: ContactBook) -> None:
        self.model = assessor.model
        if INSTRUCTION_LABEL not in self.model.labels:
            raise ValueError(f"the risk classifier has no {INSTRUCTION_LABEL} label")
        self.column = self.model.labels.index(INSTRUCTION_LABEL)
        question_cut = float(self.model.thresholds[INSTRUCTION_LABEL]["act"])
        self.threshold = document_threshold(self.model.fingerprint, question_cut)
        self.numbers = {_digits(n) for n in contacts.numbers()}
        self.mentions: dict[str, str] = {}  # a way a sentence names a configured line -> that line's name
        for key in contacts:
            contact = contacts[key]
            for alias in [contact.name, *_QUOTED.findall(contact.name)]:
                if len(alias) >= 3:
                    self.mentions[alias] = contact.name
            if contact.number:
                self.mentions[contact.number] = contact.name
        numbers = ",".join(sorted(self.numbers))
        digest = hashlib.sha256(f"{self.model.fingerprint}|{self.threshold}|{numbers}".encode()).hexdigest()
        self.version = f"{TRUST_FORMAT}-{digest[:16]}"

    def findings(self, doc: Document) -> list[Finding]:
        """Instruction-like sentences (or pairs) and contact-number conflicts of `doc`."""
        sentences = document_sentences(doc.text)
        return self.instructions(sentences) + self.contact_conflicts(sentences)

    def instructions(self, sentences: list[str]) -> list[Finding]:
        """Sentences, or neighbouring pairs, the classifier reads as an instruction to the assistant."""
        if not sentences:
            return []
        texts = screened_pieces(sentences)
        pairs = texts[len(sentences) :]
        scores = self.model.predict_proba(texts)[:, self.column]
        found: list[Finding] = []
        flagged: set[int] = set()
        for i, sentence in enumerate(sentences):
            if scores[i] >= self.threshold:
                flagged.add(i)
                found.append(self._finding(sentence, float(scores[i])))
        for j, pair in enumerate(pairs):
            score = float(scores[len(sentences) + j])
            # A pair counts only when neither sentence was flagged alone: the order is in the combination.
            if score >= self.threshold and not {j, j + 1} & flagged:
                flagged.update({j, j + 1})
                found.append(self._finding(pair, score))
        return found

    def _finding(self, sentence: str, score: float) -> Finding:
        reason = (
            f"AIへの指示のような文です（学習済み分類器 {INSTRUCTION_LABEL}: 確率 {score:.2f}、"
            f"判定基準 {self.threshold:.2f}）"
        )
        return Finding(sentence=sentence, reason=reason, kind="instruction", score=round(score, 4))

    def contact_conflicts(self, sentences: list[str]) -> list[Finding]:
        """Sentences that give a configured line a number the contacts configuration does not have."""
        found = []
        for sentence in sentences:
            text = _URL.sub(" ", sentence)
            unknown = [n for n in _PHONE.findall(text) if _digits(n) not in self.numbers]
            if not unknown:
                continue
            # A configured number inside the unknown one (0120-189-000) is not a mention of that line.
            rest = text
            for number in unknown:
                rest = rest.replace(number, " ")
            named = sorted({name for mention, name in self.mentions.items() if _mentions(rest, mention)})
            if named:
                reason = (
                    f"設定された相談先（{'、'.join(named)}）と同じ文に、設定にない番号 {'、'.join(unknown)} があります。"
                    "相談先の番号は連絡先の設定からだけ案内します"
                )
                found.append(Finding(sentence=sentence, reason=reason, kind="contact"))
        return found


def _mentions(text: str, mention: str) -> bool:
    """Whether `text` names a line: its name anywhere, its number as a whole token (189, not 1890).

    A number right after kanji, katakana or a letter is part of another name (大阪中毒110番), not the line.
    """
    if not mention[-1].isdigit():
        return mention in text
    pattern = rf"(?<![\d#\u4e00-\u9fff\u30a0-\u30ffA-Za-z]){re.escape(mention)}(?!\d)"
    return re.search(pattern, text) is not None


def open_document_trust(settings: Settings) -> DocumentTrust:
    """The document screen of these settings: the fitted risk classifier and the configured contacts."""
    from kodomo_ai.runtime import open_risk_assessor
    from kodomo_ai.safety.contacts import load_contacts

    contacts = load_contacts(settings.corpus_dir / "contacts" / "contacts.md")
    return DocumentTrust(open_risk_assessor(settings), contacts)
