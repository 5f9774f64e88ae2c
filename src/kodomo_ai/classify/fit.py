"""Fit a TextClassifier with grouped cross-validation; thresholds follow a stated rule on held-out folds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kodomo_ai.classify.augment import augment
from kodomo_ai.classify.data import Example
from kodomo_ai.classify.features import Embed, Forms, TextFeatures, compute_forms
from kodomo_ai.classify.model import TextClassifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitConfig:
    """How a classifier is fitted; `beta` per label is the rule that sets its threshold (see best_threshold)."""

    name: str
    # F-beta weighs recall beta times as much as precision when a threshold is chosen.
    beta: dict[str, float]
    # The gray zone (a safety note above an ordinary answer) uses the same rule with this beta: an extra
    # line on an ordinary answer costs little, so up to beta^2 notes are worth one more crisis caught.
    note_beta: float = 6.0
    # Chosen by `bench/classifier_grid.py` (held-out log-loss over C and the dense weight; the run is in
    # bench/results/classifier_grid.txt: C=0.5 with weight 1.0 had the lowest, 0.237).
    c: float = 0.5
    dense_weight: float = 1.0
    # Three grouped folds and one generated variant per message keep a first fit near four minutes on 2 cores.
    folds: int = 3
    variants: int = 1
    seed: int = 13
    # Data files (stem prefixes) whose "none" items are near-misses: ordinary messages with alarming words.
    near_miss: tuple[str, ...] = ()
    # Labels whose act cut is also held to a near-miss budget (see near_miss_cuts), and that budget: the
    # share of held-out near-miss originals any of them may act on. 0 leaves the F-beta cuts alone.
    near_miss_labels: tuple[str, ...] = ()
    near_miss_budget: float = 0.0


def best_threshold(scores: np.ndarray, truth: np.ndarray, beta: float) -> float:
    """The probability cut that maximises F-beta of `truth` on held-out scores."""
    order = np.argsort(-scores)
    s, t = scores[order], truth[order].astype(float)
    tp = np.cumsum(t)
    fp = np.cumsum(1 - t)
    positives = max(t.sum(), 1.0)
    recall = tp / positives
    precision = tp / np.maximum(tp + fp, 1)
    b2 = beta * beta
    f = (1 + b2) * precision * recall / np.maximum(b2 * precision + recall, 1e-9)
    i = int(np.argmax(f))
    return float(s[i])


def _estimator(c: float, seed: int) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    # A linear SVM with Platt (sigmoid) calibration: as accurate as logistic regression here, 3x faster to fit.
    return CalibratedClassifierCV(LinearSVC(C=c, random_state=seed), method="sigmoid", cv=2)


def _fit_once(forms: Forms, y: np.ndarray, config: FitConfig) -> tuple[TextFeatures, Any]:
    features = TextFeatures(dense_weight=config.dense_weight).fit(forms)
    estimator = _estimator(config.c, config.seed).fit(features.transform(forms), y)
    return features, estimator


def held_out_probabilities(
    forms: Forms, y: np.ndarray, groups: np.ndarray, n_labels: int, config: FitConfig
) -> np.ndarray:
    """Probabilities of each item from a model that never saw its group (grouped K-fold)."""
    from sklearn.model_selection import GroupKFold

    out = np.zeros((len(y), n_labels), dtype=np.float64)
    for train, test in GroupKFold(n_splits=config.folds).split(np.zeros(len(y)), y, groups):
        features, estimator = _fit_once(forms.take(train), y[train], config)
        proba = estimator.predict_proba(features.transform(forms.take(test)))
        out[np.ix_(test, estimator.classes_)] = proba
    return out


def near_miss_mask(data: list[Example], sources: tuple[str, ...], *, originals: bool = False) -> np.ndarray:
    """Which items are near-misses ("none" items of the near-miss files), optionally without generated variants."""
    return np.asarray([
        e.label == "none" and bool(sources) and e.source.startswith(sources)
        and not (originals and any(t.startswith("aug:") for t in e.tags))
        for e in data
    ], dtype=bool)  # fmt: skip


def _cut_for_share(scores: np.ndarray, share: float) -> float:
    """The lowest cut at which at most `share` of `scores` reach it (ties stay below the cut)."""
    allowed = int(np.floor(share * len(scores)))
    if allowed >= len(scores):
        return 0.0
    return float(np.nextafter(np.sort(scores)[::-1][allowed], np.inf))


def near_miss_cuts(near: np.ndarray, floors: dict[int, float], budget: float) -> dict[int, float]:
    """Act cuts (by column) no lower than `floors`, each letting through the same share q of near-miss scores.

    q is the largest share for which near-misses acted on by any of the columns stay within `budget`
    (bisection: a larger q only lowers cuts, so the union only grows).
    """

    def cuts(q: float) -> dict[int, float]:
        return {i: max(floor, _cut_for_share(near[:, i], q)) for i, floor in floors.items()}

    def union(c: dict[int, float]) -> float:
        return float(np.any([near[:, i] >= cut for i, cut in c.items()], axis=0).mean())

    if union(floors) <= budget:
        return dict(floors)
    low, high = 0.0, budget
    for _ in range(30):
        mid = (low + high) / 2
        low, high = (mid, high) if union(cuts(mid)) <= budget else (low, mid)
    return cuts(low)


def near_miss_report(
    data: list[Example], held_out: np.ndarray, labels: list[str], thresholds: dict[str, dict[str, float]],
    sources: tuple[str, ...],
) -> dict[str, Any]:  # fmt: skip
    """Held-out shares of near-miss messages (and their variants) that a label would act on or note."""
    near = near_miss_mask(data, sources)
    original = near_miss_mask(data, sources, originals=True)
    acted = np.zeros(len(data), dtype=bool)
    noted = np.zeros(len(data), dtype=bool)
    by_label: dict[str, float] = {}
    for label, cut in thresholds.items():
        column = held_out[:, labels.index(label)]
        acted |= column >= cut["act"]
        noted |= column >= cut["note"]
        by_label[label] = float((column[near] >= cut["act"]).mean()) if near.any() else 0.0
    return {
        "support": int(near.sum()), "originals": int(original.sum()),
        "acted": float(acted[near].mean()) if near.any() else 0.0,
        "acted_originals": float(acted[original].mean()) if original.any() else 0.0,
        "noted": float(noted[near].mean()) if near.any() else 0.0,
        "acted_by_label": by_label,
    }  # fmt: skip


def fit_classifier(
    examples: list[Example], carriers: list[str], embed: Embed, config: FitConfig, *, fingerprint: str = "",
    progress: Callable[[str], None] | None = None,
) -> TextClassifier:  # fmt: skip
    """Augment, cross-validate (report + thresholds from held-out folds), then fit on everything."""
    say = progress or log.info
    data = augment(examples, carriers, seed=config.seed, n=config.variants)
    labels = sorted({e.label for e in data})
    y = np.asarray([labels.index(e.label) for e in data])
    groups = np.asarray([e.group for e in data])
    say(f"{config.name}: {len(examples)} examples, {len(data)} with variants; computing features")
    forms = compute_forms([e.text for e in data], embed)
    say(f"{config.name}: {config.folds}-fold grouped cross-validation")
    held_out = held_out_probabilities(forms, y, groups, len(labels), config)
    thresholds: dict[str, dict[str, float]] = {}
    report: dict[str, Any] = {"examples": len(examples), "with_variants": len(data), "labels": {}}
    for i, label in enumerate(labels):
        if label not in config.beta:
            continue
        truth = y == i
        act = best_threshold(held_out[:, i], truth, config.beta[label])
        note = min(act, best_threshold(held_out[:, i], truth, config.note_beta))
        thresholds[label] = {"act": act, "note": note}
    fbeta = {label: cut["act"] for label, cut in thresholds.items()}
    if config.near_miss_budget > 0:
        # A false alarm on an ordinary message with alarming words replaces the answer the parent asked for:
        # the act cuts rise (never fall) until the held-out near-miss originals acted on fit the budget. The
        # note cuts stay, so a crisis between the two still gets its lines above the answer.
        near = held_out[near_miss_mask(data, config.near_miss, originals=True)]
        guarded = {labels.index(k): thresholds[k]["act"] for k in config.near_miss_labels if k in thresholds}
        for i, act in near_miss_cuts(near, guarded, config.near_miss_budget).items():
            thresholds[labels[i]]["act"] = act
    for i, label in enumerate(labels):
        if label not in thresholds:
            continue
        truth = y == i
        act, note = thresholds[label]["act"], thresholds[label]["note"]
        predicted = held_out[:, i] >= act
        report["labels"][label] = {
            "support": int(truth.sum()),
            "recall": float((predicted & truth).sum() / max(truth.sum(), 1)),
            "precision": float((predicted & truth).sum() / max(predicted.sum(), 1)),
            "act": act,
            "act_fbeta": fbeta[label],
            "note": note,
            # the share that reaches its lines (an escalation, or the gray-zone note above the answer)
            "recall_with_note": float(((held_out[:, i] >= note) & truth).sum() / max(truth.sum(), 1)),
        }
    if config.near_miss:
        report["near_miss"] = near_miss_report(data, held_out, labels, thresholds, config.near_miss)
    say(f"{config.name}: final fit")
    features, estimator = _fit_once(forms, y, config)
    ordered = [labels[i] for i in estimator.classes_]
    return TextClassifier(
        name=config.name, labels=ordered, features=features, estimator=estimator, thresholds=thresholds,
        report=report, fingerprint=fingerprint, embed=embed,
    )  # fmt: skip
