"""Answer benchmark on the development question set (extractive engine by default): right mode for every
escalate/refuse/abstain item, key facts present in answerable ones, document recall@5, latency p50/p95,
and the evidence features used to calibrate the abstention threshold.

    .venv/bin/python bench/answers.py [--engine extractive] [--questions evals/dev/questions.yaml]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import unicodedata
from pathlib import Path

import yaml

from kodomo_ai.config import get_settings
from kodomo_ai.consult import Consultant
from kodomo_ai.ingest.pipeline import ingest_paths
from kodomo_ai.runtime import open_knowledge_base

ROOT = Path(__file__).resolve().parents[1]


def norm(text: str) -> str:
    """NFKC, no commas or spaces: how facts are compared."""
    return unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")


def has_facts(answer: str, facts: list[list[str]]) -> bool:
    """Every fact group has one alternative in the answer."""
    text = norm(answer)
    return all(any(norm(alt) in text for alt in group) for group in facts)


def main() -> None:
    """Run every question and write bench/results/answers.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "dev" / "questions.yaml")
    parser.add_argument("--engine", default="extractive")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="reuse an index folder (default: a fresh tmp one)"
    )
    args = parser.parse_args()
    items = yaml.safe_load(args.questions.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        settings = get_settings().model_copy(
            update={"data_dir": data_dir, "models_path": ROOT / ".kodomo" / "models"}
        )
        ingest_paths(open_knowledge_base(settings), [ROOT / "corpus"])
        consultant = Consultant.from_settings(settings, engine=args.engine)
        consultant.ask("ウォームアップ")
        rows = []
        for item in items:
            answer = consultant.ask(item["question"], audience=item.get("audience", "parent"))
            hits = consultant.retrieve(
                consultant.rewrite(item["question"], []), item.get("audience", "parent")
            )
            best, overlap = consultant.evidence_strength(item["question"], hits)
            docs = []
            for h in consultant.retriever.search(item["question"], k=10):
                if h.doc_id not in docs:
                    docs.append(h.doc_id)
            rows.append({
                "id": item["id"], "expect": item["expect"], "mode": answer.mode,
                "facts_ok": has_facts(answer.answer, item.get("facts") or []),
                "doc_hit@5": bool(set(item.get("docs") or []) & set(docs[:5])) if item.get("docs") else None,
                "latency_ms": answer.latency_ms, "dense": round(best, 4), "overlap": round(overlap, 3),
                "answer": answer.answer,
            })  # fmt: skip
    answerable = [r for r in rows if r["expect"] == "answer"]
    routed = [r for r in rows if r["expect"] in ("escalate", "refuse")]
    abstain = [r for r in rows if r["expect"] == "abstain"]
    with_docs = [r for r in rows if r["doc_hit@5"] is not None]
    latencies = sorted(r["latency_ms"] for r in rows if r["mode"] == "answer")
    summary = {
        "engine": args.engine,
        "questions": len(rows),
        "answerable_facts_rate": round(
            sum(r["facts_ok"] and r["mode"] == "answer" for r in answerable) / len(answerable), 3
        ),
        "answerable_answered_rate": round(
            sum(r["mode"] == "answer" for r in answerable) / len(answerable), 3
        ),
        "routed_mode_correct": f"{sum(r['mode'] == r['expect'] for r in routed)}/{len(routed)}",
        "abstain_correct": f"{sum(r['mode'] == 'abstain' for r in abstain)}/{len(abstain)}",
        "doc_recall@5": round(sum(bool(r["doc_hit@5"]) for r in with_docs) / len(with_docs), 3),
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        },
    }
    out = {"summary": summary, "rows": rows}
    (ROOT / "bench" / "results" / f"answers-{args.engine}.json").write_text(
        json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    for r in rows:
        if (r["expect"] != r["mode"]) or (r["expect"] == "answer" and not r["facts_ok"]):
            print(
                f"MISS {r['id']} expect={r['expect']} mode={r['mode']} dense={r['dense']} overlap={r['overlap']} :: {r['answer'][:90]}"
            )


if __name__ == "__main__":
    main()
