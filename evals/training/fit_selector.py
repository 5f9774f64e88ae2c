"""Fit the answer-sentence selector (src/kodomo_ai/engines/data/selector.json). Rerun:

    .venv/bin/python evals/training/fit_selector.py

Data: a seeded sample of JaQuAD train articles (../shared/data/jaquad-train, CC BY-SA 3.0): each question's
candidates are the sentences of its own paragraph and of the three other paragraphs of the article most like
the question (as retrieval would bring them), labelled by whether they hold the gold span; plus the cards'
questions (canonical and one paraphrase) against the sentences of the chunk holding the card's quote and of
the two other chunks of that document most like the question, labelled by whether they are the quote.
Model: standardised features → logistic regression, C chosen by grouped 3-fold CV. Threshold for a sentence
after the lead: the lowest cut whose held-out reading answers (a grouped 20% split) keep a median within the
issue's length budget (LENGTH_BUDGET). Nothing is hand-set. `--cache FILE` keeps the embeddings between runs.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np

from kodomo_ai.classify.asked import load_asked_reader
from kodomo_ai.config import get_settings
from kodomo_ai.engines.extractive import units
from kodomo_ai.engines.selector import FEATURES, SELECTOR_FILE, Candidate, features
from kodomo_ai.index.embeddings import load_embedder
from kodomo_ai.ingest.cards import load_card_file
from kodomo_ai.ingest.chunking import chunk_document
from kodomo_ai.ingest.loaders import load_file

ROOT = Path(__file__).resolve().parents[2]
JAQUAD_TRAIN = ROOT.parent / "shared" / "data" / "jaquad-train"


def norm(text: str) -> str:
    """Compare spans without width, spaces or commas."""
    return re.sub(r"[\s,、]", "", unicodedata.normalize("NFKC", text))


def jaquad_groups(articles: int, questions: int, seed: int) -> list[dict]:
    """[{question, gold paragraph index, paragraphs, answers}] from a seeded sample of train articles."""
    data = [a for p in sorted(JAQUAD_TRAIN.glob("*.json")) for a in json.loads(p.read_text("utf-8"))["data"]]
    rng = random.Random(seed)
    picked = rng.sample(data, min(articles, len(data)))
    out = []
    for article in picked:
        paragraphs = [p["context"] for p in article["paragraphs"]]
        for i, p in enumerate(article["paragraphs"]):
            for qa in p["qas"]:
                out.append({
                    "id": qa["id"], "question": qa["question"], "gold": i, "paragraphs": paragraphs,
                    "answers": [a["text"] for a in qa["answers"]],
                })  # fmt: skip
    rng.shuffle(out)
    return out[:questions]


def card_groups(corpus: Path) -> list[dict]:
    """[{question, chunks of the cited document, the chunk holding the quote, the quote}] from the cards."""
    docs = {}
    for path in sorted(corpus.rglob("*.md")):
        try:
            doc = load_file(path, max_bytes=20 * 2**20)
        except Exception:  # noqa: BLE001 — contacts and other non-documents are simply not used here
            continue
        docs[doc.doc_id] = [c.text for c in chunk_document(doc)]
    out = []
    for path in sorted((corpus / "cards").glob("*.yaml")):
        cards, _errors = load_card_file(path)
        for card in cards:
            if not card.citations or card.citations[0].doc_id not in docs:
                continue
            cite = card.citations[0]
            chunks = docs[cite.doc_id]
            holder = next((i for i, c in enumerate(chunks) if norm(cite.quote) in norm(c)), None)
            if holder is None:
                continue
            for question in [card.question, *card.paraphrases[:1]]:
                out.append({
                    "id": f"{card.card_id}:{question}", "question": question, "gold": holder,
                    "paragraphs": chunks, "quote": cite.quote,
                })  # fmt: skip
    return out


def build(groups: list[dict], embed, asked_reader) -> tuple[np.ndarray, ...]:
    """Features, labels, group ids, lengths and reading-set flags of every candidate (texts embedded in batches)."""
    paragraphs = list(dict.fromkeys(p for grp in groups for p in grp["paragraphs"]))
    found = {p: units(p) for p in paragraphs}
    print(
        f"embedding {len(paragraphs)} paragraphs, {sum(map(len, found.values()))} sentences", file=sys.stderr
    )
    para_vecs = dict(zip(paragraphs, embed(paragraphs, "passage"), strict=True))
    sentences = [t for p in paragraphs for _q, t in found[p]]
    sentence_vecs = dict(zip(sentences, embed(sentences, "passage"), strict=True))
    questions = embed([grp["question"] for grp in groups], "query")
    X, y, g, chars, reading = [], [], [], [], []
    for n, (grp, qvec) in enumerate(zip(groups, questions, strict=True)):
        ranked = sorted(
            range(len(grp["paragraphs"])), key=lambda i: -float(para_vecs[grp["paragraphs"][i]] @ qvec)
        )
        chosen = [i for i in ranked if i == grp["gold"] or i in [j for j in ranked if j != grp["gold"]][:3]]
        cands, vecs, labels = [], [], []
        for rank, i in enumerate(chosen):
            for order, (quote, text) in enumerate(found[grp["paragraphs"][i]]):
                cands.append(Candidate(text, rank, order))
                vecs.append(sentence_vecs[text])
                if "quote" in grp:
                    labels.append(int(i == grp["gold"] and norm(grp["quote"])[:30] in norm(quote)))
                else:
                    labels.append(int(any(norm(a) in norm(quote) for a in grp["answers"])))
        if not cands or not any(labels):
            continue
        rows = features(
            grp["question"], qvec, cands, np.asarray(vecs), asked_reader.probabilities(grp["question"])
        )
        X.append(rows)
        y.extend(labels)
        g.extend([n] * len(cands))
        chars.extend(len(c.text) for c in cands)
        reading.extend(["quote" not in grp] * len(cands))
    return np.vstack(X), np.asarray(y), np.asarray(g), np.asarray(chars), np.asarray(reading)


def lead_accuracy(proba: np.ndarray, y: np.ndarray, g: np.ndarray) -> float:
    """Share of questions whose best-scored sentence holds the answer."""
    hits = [y[g == q][np.argmax(proba[g == q])] for q in np.unique(g)]
    return float(np.mean(hits))


# The budget for a composed answer on the reading benchmark (median characters), and a parent's
# answer holds about three sentences: the cut for sentences after the lead is the lowest one that keeps
# held-out answers within the budget (the lowest cut answers the most questions).
LENGTH_BUDGET = 150
MAX_SENTENCES = 3


def simulate(
    proba: np.ndarray, y: np.ndarray, g: np.ndarray, chars: np.ndarray, cut: float
) -> tuple[float, float]:
    """Share of questions whose answer (lead + sentences over `cut`, at most three) holds the span; median length."""
    hits, lengths = [], []
    for q in np.unique(g):
        m = np.flatnonzero(g == q)
        order = m[np.argsort(-proba[m], kind="stable")]
        chosen = [order[0], *[i for i in order[1:] if proba[i] >= cut][: MAX_SENTENCES - 1]]
        hits.append(bool(y[chosen].max()))
        lengths.append(int(chars[chosen].sum()))
    return float(np.mean(hits)), float(np.median(lengths))


def length_budget_cut(
    proba: np.ndarray, y: np.ndarray, g: np.ndarray, chars: np.ndarray, reading: np.ndarray
) -> tuple[float, float, float]:
    """The lowest cut whose held-out reading-set answers have a median within LENGTH_BUDGET characters."""
    for cut in np.round(np.linspace(0.05, 0.95, 91), 2):
        covered, median = simulate(proba[reading], y[reading], g[reading], chars[reading], float(cut))
        if median <= LENGTH_BUDGET:
            return float(cut), round(covered, 3), median
    return 1.0, *map(float, simulate(proba[reading], y[reading], g[reading], chars[reading], 1.0))


def main() -> None:
    """Fit, report held-out figures, and write the selector file."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, GroupShuffleSplit

    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=150)
    parser.add_argument("--questions", type=int, default=2500)
    parser.add_argument(
        "--cache", type=Path, help="pickle of embeddings to reuse between runs (created if missing)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=SELECTOR_FILE)
    args = parser.parse_args()
    settings = get_settings()
    embedder = load_embedder(settings.embedding_model, ROOT / ".kodomo" / "models")
    asked_reader = load_asked_reader(ROOT / "evals" / "training" / "understand" / "asked_type.yaml")

    cache: dict[tuple[str, str], np.ndarray] = (
        pickle.loads(args.cache.read_bytes()) if args.cache and args.cache.exists() else {}
    )

    def embed(texts: list[str], kind: str) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if (kind, t) not in cache]
        if missing:
            cache.update(
                zip([(kind, t) for t in missing], embedder.embed_batch(missing, kind=kind), strict=True)
            )
            if args.cache:
                args.cache.write_bytes(pickle.dumps(cache))
        return np.asarray([cache[(kind, t)] for t in texts])

    groups = jaquad_groups(args.articles, args.questions, args.seed) + card_groups(ROOT / "corpus")
    X, y, g, chars, reading = build(groups, embed, asked_reader)
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    Z = (X - mean) / scale
    train, held = next(GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=args.seed).split(Z, y, g))
    best_c, best_score = 1.0, -1.0
    for c in (0.01, 0.1, 1.0, 10.0):
        scores = []
        for a, b in GroupKFold(n_splits=3).split(Z[train], y[train], g[train]):
            model = LogisticRegression(C=c, max_iter=2000).fit(Z[train][a], y[train][a])
            scores.append(lead_accuracy(model.predict_proba(Z[train][b])[:, 1], y[train][b], g[train][b]))
        if np.mean(scores) > best_score:
            best_c, best_score = c, float(np.mean(scores))
    model = LogisticRegression(C=best_c, max_iter=2000).fit(Z[train], y[train])
    proba = model.predict_proba(Z[held])[:, 1]
    threshold, covered, median = length_budget_cut(proba, y[held], g[held], chars[held], reading[held])
    report = {
        "questions": int(len(np.unique(g))), "candidates": int(len(y)), "C": best_c,
        "held_out_lead_accuracy": round(lead_accuracy(proba, y[held], g[held]), 3),
        "held_out_reading_span_in_answer": covered, "held_out_reading_median_chars": median,
    }  # fmt: skip
    final = LogisticRegression(C=best_c, max_iter=2000).fit(Z, y)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "features": list(FEATURES),
                "mean": mean.tolist(),
                "scale": scale.tolist(),
                "coef": final.coef_[0].tolist(),
                "intercept": float(final.intercept_[0]),
                "threshold": threshold,
                "report": report,
                "data": f"jaquad-train articles={args.articles} questions={args.questions} seed={args.seed} + cards",
            },  # fmt: skip
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    print(
        json.dumps(report, indent=1),
        "\nweights:",
        dict(zip(FEATURES, np.round(final.coef_[0], 3), strict=True)),
    )


if __name__ == "__main__":
    main()
