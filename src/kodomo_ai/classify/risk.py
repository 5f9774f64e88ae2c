"""The learned safety classifier: which risk a message carries, scored sentence by sentence."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kodomo_ai.classify.data import Example
from kodomo_ai.classify.fit import FitConfig
from kodomo_ai.classify.model import TextClassifier
from kodomo_ai.classify.store import ClassifierSpec

log = logging.getLogger(__name__)

ESCALATIONS = ("emergency", "abuse", "despair", "urgent")
REFUSALS = ("refuse_medical", "refuse_forgery", "refuse_other_person", "refuse_instruction")
# An escalation replaces the answer and a wrong refusal hides it, so both act at a cut that weighs precision
# twice (F0.5): a false alarm takes away what a parent asked for. Recall comes from the gray zone, where the
# same lines are shown above the answer at once (FitConfig.note_beta), so a crisis below the act cut still
# reaches its line.
# The near-miss files (ordinary messages with alarming words) are reported on their own, and the escalations'
# act cuts rise above F0.5 where needed so that at most 3% of their held-out originals are escalated (the
# sealed target is 5%, and fresh wording is harder than held-out folds).
CONFIG = FitConfig(
    name="risk", beta=dict.fromkeys(ESCALATIONS + REFUSALS, 0.5), near_miss=("near_miss",),
    near_miss_labels=ESCALATIONS, near_miss_budget=0.03,
)  # fmt: skip

# Labels of the older router set and of the training files, in the classifier's classes.
_LABELS = {
    "emergency": "emergency", "urgent": "urgent", "urgent_medical": "urgent", "abuse": "abuse",
    "nursery_abuse": "abuse", "refuse_harm": "abuse", "despair": "despair", "none": "none",
    "refuse_out_of_scope": "none", "refuse_medical": "refuse_medical", "refuse_forgery": "refuse_forgery",
    "refuse_other_person": "refuse_other_person", "refuse_injection": "refuse_instruction",
    # scope data: every label but a medical referral is an ordinary, non-risk message
    "in_scope": "none", "out_tax": "none", "out_employment": "none", "out_health_insurance": "none",
    "out_legal": "none", "out_other": "none", "individual": "none", "local_detail": "none",
    "handoff": "none", "chitchat": "none", "referral_topic": "none",
}  # fmt: skip
_REFUSE_KINDS = {
    "dose": "refuse_medical", "diagnosis": "refuse_medical", "forgery": "refuse_forgery",
    "others_data": "refuse_other_person", "instruction": "refuse_instruction",
}  # fmt: skip
# Sentence ends: a crisis line inside a long message is scored on its own.
_SENTENCE = re.compile(r"(?<=[。！？!?\n])|(?<=\.\s)")


def risk_label(item: dict[str, Any]) -> str | None:
    """The classifier's class for a training item (None: not used for this classifier)."""
    label = str(item.get("label", ""))
    if label == "refuse":
        return _REFUSE_KINDS.get(str(item.get("kind", "")))
    return _LABELS.get(label)


def training_files(training_dir: Path, router_set: Path | None) -> list[Path]:
    """The YAML files the risk classifier is fitted on."""
    understand = training_dir / "understand"
    files = sorted((training_dir / "router").glob("*.yaml")) + [
        p for p in (understand / "scope.yaml", understand / "card_questions.yaml") if p.exists()
    ]
    return files + ([router_set] if router_set and router_set.exists() else [])


def carriers(examples: list[Example]) -> list[str]:
    """Ordinary short messages that a crisis sentence can be buried in when variants are made."""
    # Document sentences are left out: a crisis is buried in what people write, not in a manual's wording.
    return [
        e.text
        for e in examples
        if e.label == "none" and 8 <= len(e.text) <= 60 and "\n" not in e.text and "document" not in e.tags
    ]


def split_segments(text: str, limit: int = 12) -> list[str]:
    """The whole message, then each of its sentences (at most `limit`), without duplicates."""
    pieces = [p.strip() for p in _SENTENCE.split(text) if len(p.strip()) >= 4]
    segments = [text.strip()] + pieces[:limit]
    return list(dict.fromkeys(segments))


@dataclass(frozen=True)
class RiskScore:
    """A label whose probability crossed a threshold: `tier` is "act" (route now) or "note" (gray zone)."""

    label: str
    probability: float
    tier: str
    segment: str


class RiskAssessor:
    """Scores every sentence of a message with the fitted model; the highest risk per label wins."""

    def __init__(self, model: TextClassifier) -> None:
        self.model = model

    def assess(self, text: str) -> list[RiskScore]:
        """Labels over their gray-zone threshold, strongest first (deterministic for the same input)."""
        segments = split_segments(text)
        proba = self.model.predict_proba(segments)
        out = []
        for j, label in enumerate(self.model.labels):
            cut = self.model.thresholds.get(label)
            if not cut:
                continue
            best = int(proba[:, j].argmax())
            p = float(proba[best, j])
            # A sentence out of context is noisy (「会社員です」, a list of ages): it counts only when the
            # whole message also reaches the gray zone, where the model saw crises buried in longer text.
            if best > 0 and float(proba[0, j]) < cut["note"]:
                continue
            if p >= cut["act"]:
                out.append(RiskScore(label, p, "act", segments[best]))
            elif p >= cut["note"]:
                out.append(RiskScore(label, p, "note", segments[best]))
        return sorted(out, key=lambda s: (s.tier != "act", -s.probability))


def risk_spec(training_dir: Path, router_set: Path | None) -> ClassifierSpec:
    """The safety classifier's training data and fitting rule."""
    return ClassifierSpec(CONFIG, training_files(training_dir, router_set), risk_label, carriers)
