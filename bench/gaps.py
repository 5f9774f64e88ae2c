"""Knowledge-gap benchmark: fit the topic cut on card wordings, and check a generated week's report.

    .venv/bin/python bench/gaps.py --fit          # → src/kodomo_ai/gaps/topic_threshold.json
    .venv/bin/python bench/gaps.py [--data-dir D]  # a week of 500 mixed questions through the real pipeline
                                                   # → bench/results/gaps.json

--fit: the cards' wordings (question + paraphrases of one card = one need said differently) are clustered at
each cut; the cut with the best adjusted Rand index against the card ids is kept (a seeded sample of cards).
The week (evals/dev/gap_week.py) mixes questions the corpus answers, out-of-scope questions, emergencies and
planted gap topics the corpus does not cover; figures: are the report's largest topics the planted gaps
(precision of the top k, k = number of planted topics), how pure and complete each planted topic's group is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "evals" / "dev"))


def card_groups(sample: int, seed: int) -> list[list[str]]:
    """Wordings of a seeded sample of the bundled cards (Japanese question + paraphrases)."""
    from kodomo_ai.ingest.cards import load_card_file

    cards = [
        c for path in sorted((ROOT / "corpus" / "cards").glob("*.yaml")) for c in load_card_file(path)[0]
    ]
    random.Random(seed).shuffle(cards)
    return [c.questions() for c in cards[:sample] if len(c.questions()) >= 2]


def fit(args: argparse.Namespace) -> None:
    """Fit the topic distance cut and write it with its figures."""
    from kodomo_ai.gaps.report import THRESHOLD_FILE, fit_topic_threshold
    from kodomo_ai.index.embeddings import DEFAULT_MODEL, load_embedder

    embedder = load_embedder(DEFAULT_MODEL, Path(args.models))
    groups = card_groups(args.sample, args.seed)
    started = time.perf_counter()
    vectors = [np.asarray(embedder.embed_batch(g, kind="query")) for g in groups]
    threshold, scores = fit_topic_threshold(vectors)
    result = {
        "threshold": threshold, "rule": "cut with the best adjusted Rand index against card ids",
        "cards": len(groups), "wordings": sum(len(g) for g in groups), "seed": args.seed,
        "ari": dict(scores)[threshold], "grid": [{"cut": t, "ari": round(a, 4)} for t, a in scores],
        "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    THRESHOLD_FILE.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "grid"}, ensure_ascii=False))


def week(args: argparse.Namespace) -> None:
    """Run a generated week through the API's consult path and score the gap report."""
    from fastapi.testclient import TestClient
    from gap_week import generate

    from kodomo_ai.api import create_app
    from kodomo_ai.api.people import people
    from kodomo_ai.config import Settings
    from kodomo_ai.gaps.report import load_threshold
    from kodomo_ai.gaps.review import CardReview

    # One client sends the whole week: the per-client parent limit would turn most of it into 429s.
    settings = Settings(
        data_dir=Path(args.data_dir), models_path=Path(args.models), parent_rate_per_minute=10**6
    )
    app = create_app(settings)
    state = app.state.kodomo
    items = generate(seed=args.seed, total=args.total)
    start = dt.datetime(2026, 11, 16, tzinfo=dt.UTC)
    client = TestClient(app)
    started = time.perf_counter()
    truth: dict[str, str] = {}
    for n, item in enumerate(items):
        body = client.post("/v1/consult", json={"question": item["question"]}).json()
        if "answer_id" not in body:
            continue
        # Spread the week: each signal gets the time its item was generated for.
        signal = people(state).gaps.signal(body["answer_id"])
        if signal is not None:
            with people(state).gaps.session() as session:
                row = session.merge(signal)
                row.at = start + dt.timedelta(minutes=int(item["minute"]))
        if item.get("thumbs_down"):
            client.post("/v1/feedback", json={"answer_id": body["answer_id"], "rating": "down"})
        truth[body["answer_id"]] = item["topic"]
        if n % 50 == 0:
            print(f"{n}/{len(items)} {time.perf_counter() - started:.0f}s", file=sys.stderr)
    consult_s = time.perf_counter() - started
    consultant = state.consultant()
    review = CardReview(people(state).gaps, state.kb, consultant.retriever, consultant.fallback,
                        data_dir=settings.data_dir)  # fmt: skip
    report = review.report(start, start + dt.timedelta(days=7), threshold=load_threshold())
    planted = sorted({i["topic"] for i in items if i["topic"].startswith("gap:")})
    top = report.topics[: len(planted)]
    majority = [Counter(truth.get(a, "?") for a in t.answer_ids).most_common(1)[0] for t in top]
    found = {label for label, _ in majority if label in planted}
    groups = []
    for topic in planted:
        asked = sum(1 for i in items if i["topic"] == topic)
        flagged = [
            a
            for a, t in truth.items()
            if t == topic and a in {x for tp in report.topics for x in tp.answer_ids}
        ]
        best = max(
            report.topics, key=lambda t: sum(truth.get(a) == topic for a in t.answer_ids), default=None
        )
        in_best = sum(truth.get(a) == topic for a in best.answer_ids) if best else 0
        groups.append({"topic": topic, "asked": asked, "flagged": len(flagged), "largest_group": in_best,
                       "purity": round(in_best / len(best.answer_ids), 3) if best else 0.0})  # fmt: skip
    result = {
        "questions": len(items), "flagged": report.total, "kinds": report.kinds, "topics": len(report.topics),
        "planted_gaps": len(planted), "top_k_are_planted": f"{len(found)}/{len(planted)}",
        "top_k_precision": round(len(found) / len(planted), 3), "threshold": report.threshold,
        "per_gap": groups, "largest": [{"label": t.label, "count": t.count, "majority": m[0]} for t, m in
                                         zip(report.topics[:10], majority + [("", 0)] * 10, strict=False)],
        "consult_seconds": round(consult_s, 1), "date": dt.date.today().isoformat(),
    }  # fmt: skip
    out = ROOT / "bench" / "results" / "gaps.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(
        json.dumps({k: v for k, v in result.items() if k not in ("largest",)}, ensure_ascii=False, indent=1)
    )


def main() -> None:
    """Parse arguments and run the fit or the week."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fit", action="store_true", help="fit the topic cut on card wordings")
    parser.add_argument("--sample", type=int, default=200, help="cards sampled for --fit")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--total", type=int, default=500)
    parser.add_argument("--data-dir", default=str(ROOT / ".kodomo"), help="an indexed data dir (make run's)")
    parser.add_argument("--models", default=str(ROOT / ".kodomo" / "models"))
    args = parser.parse_args()
    fit(args) if args.fit else week(args)


if __name__ == "__main__":
    main()
