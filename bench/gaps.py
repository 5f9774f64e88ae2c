"""Knowledge-gap benchmark: fit the topic cut on card wordings, and check a generated week's report.

    .venv/bin/python bench/gaps.py --fit          # → src/kodomo_ai/gaps/topic_threshold.json
    .venv/bin/python bench/gaps.py [--data-dir D]  # a week of 500 mixed questions through the real pipeline
                                                   # → bench/results/gaps.json

--fit: the cards' wordings (question + paraphrases of one card = one need said differently) are clustered at
each cut; the cut with the best adjusted Rand index against the card ids is kept (a seeded sample of cards).
The week (evals/dev/gap_week.py) mixes questions the corpus answers, out-of-scope questions, emergencies and
planted gap topics the corpus does not cover, through the real API on a copy of the data dir's index.
Figures: are the report's k largest topics the planted gaps (k = number of planted gaps; precision = share of
the k whose majority is a planted gap, recall = share of the planted gaps that lead one of them), how pure and
complete each planted gap's group is; then a card is drafted from each gap's group, approved by a second
person and published, and two held-out paraphrases per gap are asked: answered by that card or not.
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
from typing import Any

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


def _score(report: Any, items: list[dict[str, Any]], truth: dict[str, str]) -> dict[str, Any]:
    """How well the report's largest topics are the planted gaps.

    top_k_precision: of the k largest topics (k = number of planted gaps), the share whose majority is a
    planted gap; top_k_recall: the share of planted gaps that is the majority of one of them. Per gap: how
    many of its questions the report flagged, its largest group, that group's rank, purity (share of the
    group that is this gap) and completeness (share of the gap's flagged questions in that group).
    """
    planted = sorted({i["topic"] for i in items if i["topic"].startswith("gap:")})
    k = len(planted)
    majority = [Counter(truth.get(a, "?") for a in t.answer_ids).most_common(1)[0][0] for t in report.topics]
    top = majority[:k]
    flagged_ids = {a for t in report.topics for a in t.answer_ids}
    per_gap = []
    for topic in planted:
        mine = {a for a, t in truth.items() if t == topic}
        counts = [sum(a in mine for a in t.answer_ids) for t in report.topics]
        best = int(np.argmax(counts)) if counts and max(counts) else -1
        group = report.topics[best] if best >= 0 else None
        per_gap.append({
            "topic": topic, "asked": sum(1 for i in items if i["topic"] == topic),
            "flagged": len(mine & flagged_ids), "largest_group": counts[best] if group else 0,
            "rank": best + 1 if group else None,
            "purity": round(counts[best] / group.count, 3) if group else 0.0,
            "completeness": round(counts[best] / max(1, len(mine & flagged_ids)), 3) if group else 0.0,
            "label": group.label if group else "",
        })  # fmt: skip
    noise = Counter(truth.get(a, "?") for a in flagged_ids)
    return {
        "planted_gaps": k, "top_k": [{"rank": n + 1, "count": t.count, "majority": m, "label": t.label}
                                     for n, (t, m) in enumerate(zip(report.topics[:k], top, strict=False))],
        "top_k_precision": round(sum(m in planted for m in top) / k, 3),
        "top_k_recall": round(len(set(top) & set(planted)) / k, 3),
        "per_gap": per_gap, "flagged_by_truth": dict(noise.most_common()),
    }  # fmt: skip


def week(args: argparse.Namespace) -> None:
    """Run a generated week through the API's consult path, score the gap report, publish cards from it."""
    import shutil
    import tempfile

    from fastapi.testclient import TestClient
    from gap_week import PARAPHRASES, generate
    from sqlalchemy import update

    from kodomo_ai.api import create_app
    from kodomo_ai.api.people import people
    from kodomo_ai.api.routes_gaps import thumbs_down
    from kodomo_ai.api.storage import Feedback
    from kodomo_ai.config import Settings
    from kodomo_ai.gaps.report import load_threshold
    from kodomo_ai.gaps.review import CardReview, ReviewError
    from kodomo_ai.gaps.store import Signal

    # Work on a copy: publishing changes the index, and a rerun must start from the same one.
    work = Path(tempfile.mkdtemp(prefix="gap-week-"))
    shutil.copytree(Path(args.data_dir) / "index", work / "index")
    # One client sends the whole week: the per-client parent limit would turn most of it into 429s.
    settings = Settings(data_dir=work, models_path=Path(args.models), parent_rate_per_minute=10**6)
    app = create_app(settings)
    state = app.state.kodomo
    items = generate(seed=args.seed, total=args.total)
    start = dt.datetime(2026, 11, 16, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=7)
    client = TestClient(app)
    started = time.perf_counter()
    truth: dict[str, str] = {}
    modes: Counter[str] = Counter()
    for n, item in enumerate(items):
        body = client.post("/v1/consult", json={"question": item["question"]}).json()
        if "answer_id" not in body:
            modes["error"] += 1
            continue
        # Every item is a question: a scope label here shows where a question was routed instead of answered.
        scope = next((n.split(":", 1)[1] for n in body.get("notes") or [] if n.startswith("scope:")), "")
        modes[f"{item['topic'].split(':')[0]}:{body['mode']}{':' + scope if scope else ''}"] += 1
        # Spread the week: each signal and thumbs-down gets the time its item was generated for.
        at = start + dt.timedelta(minutes=int(item["minute"]))
        with people(state).gaps.session() as session:
            row = session.get(Signal, body["answer_id"])
            if row is not None:
                row.at = at
        if item.get("thumbs_down"):
            client.post("/v1/feedback", json={"answer_id": body["answer_id"], "rating": "down"})
            with state.storage.session() as session:
                session.execute(
                    update(Feedback).where(Feedback.answer_id == body["answer_id"]).values(created_at=at)
                )
        truth[body["answer_id"]] = item["topic"]
        if n % 50 == 0:
            print(f"{n}/{len(items)} {time.perf_counter() - started:.0f}s", file=sys.stderr)
    consult_s = time.perf_counter() - started
    consultant = state.consultant()
    review = CardReview(people(state).gaps, state.kb, consultant.retriever, consultant.fallback,
                        data_dir=settings.data_dir)  # fmt: skip
    report = review.report(
        start, end, threshold=load_threshold(), extra=thumbs_down(state.storage, start, end)
    )
    scored = _score(report, items, truth)
    # The loop: a card drafted from each planted gap's group (prefilled from the best sources, not edited),
    # approved by a second person and published; then held-out paraphrases are asked on the next requests.
    published = []
    for gap in scored["per_gap"]:
        group = next((t for t in report.topics if t.label == gap["label"]), None)
        if group is None:
            continue
        draft = review.create_draft(group.label, group.examples, "bench-author", topic=group.label)
        try:
            review.approve(draft.id, "bench-reviewer")
            review.publish(draft.id, "bench-reviewer")
        except ReviewError as exc:
            published.append(
                {"topic": gap["topic"], "published": False, "problems": exc.problems or [exc.message]}
            )
            continue
        card_id = draft.card["card_id"]
        asked = []
        for question in PARAPHRASES.get(gap["topic"], []):
            answer = client.post("/v1/consult", json={"question": question}).json()
            hit = any(str(n).startswith(f"card:{card_id}") for n in answer.get("notes") or [])
            asked.append({"question": question, "answered_by_card": hit, "mode": answer.get("mode")})
        published.append({"topic": gap["topic"], "published": True, "card_id": card_id,
                          "cited": [c["doc_id"] for c in draft.card.get("citations") or []], "paraphrases": asked})  # fmt: skip
    answered = [a["answered_by_card"] for p in published for a in p.get("paraphrases", [])]
    result = {
        "questions": len(items), "modes": dict(sorted(modes.items())), "flagged": report.total,
        "kinds": report.kinds, "topics": len(report.topics), "threshold": report.threshold, **scored,
        "cards_published": sum(p["published"] for p in published),
        "paraphrases_answered_by_card": f"{sum(answered)}/{len(answered)}", "published": published,
        "largest": [{"label": t.label, "count": t.count, "kinds": t.kinds} for t in report.topics[:12]],
        "consult_seconds": round(consult_s, 1), "seed": args.seed, "date": dt.date.today().isoformat(),
    }  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    out = ROOT / "bench" / "results" / "gaps.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    keys = ("questions", "flagged", "kinds", "topics", "top_k_precision", "top_k_recall", "per_gap",
            "cards_published", "paraphrases_answered_by_card", "consult_seconds")  # fmt: skip
    print(json.dumps({k: result[k] for k in keys}, ensure_ascii=False, indent=1))


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
