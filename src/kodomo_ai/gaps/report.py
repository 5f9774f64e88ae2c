"""The knowledge-gap report: a period's unanswered questions grouped into topics (e5 vectors, scikit-learn).

Questions are clustered by average-linkage agglomerative clustering on cosine distance. The distance cut is
fitted, not chosen: `fit_topic_threshold` picks the cut at which the wordings of the knowledge cards (each
card's question and paraphrases: the same need said differently) are grouped best by adjusted Rand index,
and `bench/gaps.py --fit` writes it to topic_threshold.json.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kodomo_ai.gaps.store import Signal
from kodomo_ai.index.lexical import content_terms

THRESHOLD_FILE = Path(__file__).with_name("topic_threshold.json")
MAX_EXAMPLES = 5
Embed = Callable[[list[str]], np.ndarray]


@dataclass
class Topic:
    """A group of similar unanswered questions."""

    topic_id: str
    label: str  # the most central question
    count: int
    kinds: dict[str, int]
    keywords: list[str]
    examples: list[str]
    daily: dict[str, int]
    previous: int  # similar questions in the period before (same length)
    trend: str  # "new", "up", "down", "flat"
    answer_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The topic as JSON."""
        return asdict(self)


@dataclass
class GapReport:
    """Topics of a period, largest first, with the period's totals."""

    since: str
    until: str
    total: int
    kinds: dict[str, int]
    threshold: float
    topics: list[Topic]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {**{k: v for k, v in asdict(self).items() if k != "topics"},
                "topics": [t.to_dict() for t in self.topics]}  # fmt: skip


def load_threshold(path: Path = THRESHOLD_FILE) -> float:
    """The fitted cosine-distance cut (bench/gaps.py --fit)."""
    return float(json.loads(path.read_text(encoding="utf-8"))["threshold"])


def cluster(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Cluster labels for unit vectors: average linkage, cosine distance, cut at `threshold`."""
    if len(vectors) == 0:
        return np.zeros(0, dtype=int)
    if len(vectors) == 1:
        return np.zeros(1, dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=threshold, metric="cosine", linkage="average"
    )
    return np.asarray(model.fit_predict(vectors))


def fit_topic_threshold(
    groups: Sequence[np.ndarray], grid: Sequence[float] | None = None
) -> tuple[float, list[tuple[float, float]]]:
    """The distance cut that best recovers known groups (each array: one card's wording vectors), by ARI."""
    from sklearn.metrics import adjusted_rand_score

    vectors = np.concatenate(list(groups))
    truth = np.concatenate([np.full(len(g), i) for i, g in enumerate(groups)])
    grid = grid or [round(x, 3) for x in np.arange(0.04, 0.40, 0.01)]
    scores = [(float(t), float(adjusted_rand_score(truth, cluster(vectors, t)))) for t in grid]
    best = max(scores, key=lambda s: s[1])
    return best[0], scores


def _topic_id(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def _trend(count: int, previous: int) -> str:
    if previous == 0:
        return "new"
    if count > previous:
        return "up"
    return "down" if count < previous else "flat"


def build_report(
    signals: list[Signal], embed: Embed, *, since: dt.datetime, until: dt.datetime, threshold: float,
    previous: list[Signal] | None = None, extra: list[tuple[str, str, dt.datetime, str]] | None = None,
) -> GapReport:  # fmt: skip
    """Group the period's gap questions into topics, largest first.

    `extra` adds questions from elsewhere as (answer_id, question, time, kind), e.g. thumbs-down answers.
    A question of the previous period counts for a topic when it is within `threshold` of its centre.
    """
    items = [(s.answer_id, s.question, s.at, s.kind) for s in signals] + list(extra or [])
    kinds = Counter(kind for *_, kind in items)
    if not items:
        return GapReport(since.isoformat(), until.isoformat(), 0, {}, threshold, [])
    vectors = embed([q for _, q, _, _ in items])
    labels = cluster(vectors, threshold)
    before = embed([s.question for s in previous]) if previous else np.zeros((0, vectors.shape[1]))
    topics = []
    for label in sorted(set(labels.tolist())):
        members = np.flatnonzero(labels == label)
        centre = vectors[members].mean(0)
        centre /= np.linalg.norm(centre) or 1.0
        order = members[np.argsort(-(vectors[members] @ centre))]
        questions = [items[i][1] for i in order]
        words = Counter(w for q in questions for w in content_terms(q))
        daily = Counter(_day(items[i][2]) for i in members)
        earlier = int((before @ centre >= 1.0 - threshold).sum()) if len(before) else 0
        topics.append(
            Topic(
                topic_id=_topic_id(questions[0]),
                label=questions[0],
                count=len(members),
                kinds=dict(Counter(items[i][3] for i in members)),
                keywords=[w for w, _ in words.most_common(5)],
                examples=distinct_examples(questions, vectors[order], threshold / 2),
                daily=dict(sorted(daily.items())),
                previous=earlier,
                trend=_trend(len(members), earlier),
                answer_ids=[items[i][0] for i in order],
            )  # fmt: skip
        )
    topics.sort(key=lambda t: (-t.count, t.label))
    return GapReport(since.isoformat(), until.isoformat(), len(items), dict(kinds), threshold, topics)


def distinct_examples(questions: list[str], vectors: np.ndarray, same: float) -> list[str]:
    """Up to MAX_EXAMPLES questions, most central first, skipping any within `same` of one already kept.

    A topic's members are often one wording with a greeting added or a particle changed; a card drafted from
    five of those knows one way of asking. Half the topic cut is the stated rule for "says the same thing".
    """
    kept: list[int] = []
    for i in range(len(questions)):
        if len(kept) == MAX_EXAMPLES:
            break
        if all(1.0 - float(vectors[i] @ vectors[j]) > same for j in kept):
            kept.append(i)
    return [questions[i] for i in kept]


def _day(moment: dt.datetime) -> str:
    from kodomo_ai.handoff.hours import TOKYO

    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(TOKYO).date().isoformat()
