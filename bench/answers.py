"""Answer benchmark: right mode, key facts, referrals and lines, document recall@5, lengths and latency.

    .venv/bin/python bench/answers.py                                   # evals/dev/questions.yaml
    .venv/bin/python bench/answers.py --questions evals/sealed/questions.yaml --name sealed   # once, at the end
    .venv/bin/python bench/answers.py --data-dir .kodomo                # reuse an index (default: a fresh one)

Items: {id, question, audience, expect: answer|abstain|refuse|escalate, docs, facts, refer, contacts, parts}.
Writes bench/results/answers-<name>.json.
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
from kodomo_ai.schema import Answer

ROOT = Path(__file__).resolve().parents[1]
COUNSELLING = {"0120-279-338", "0570-064-556", "0120-061-338", "0120-783-556", "親子のための相談LINE"}


def norm(text: str) -> str:
    """NFKC, no commas or spaces: how facts are compared."""
    return unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "").replace("　", "")


def has_all(text: str, groups: list[list[str]]) -> bool:
    """Every group has one alternative in the text."""
    folded = norm(text)
    return all(any(norm(str(alt)) in folded for alt in group) for group in groups)


def reached(answer: Answer, contacts: list[str]) -> bool:
    """Every required line is in the escalation's contacts or the answer text."""
    given = {c.number or c.name for c in (answer.escalation.contacts if answer.escalation else [])}
    text = norm(answer.answer)
    for want in contacts:
        options = COUNSELLING if want == "counselling" else {str(want)}
        if not any(o in given or norm(o) in text for o in options):
            return False
    return True


def ranked_docs(consultant: Consultant, question: str, audience: str) -> list[str]:
    """The documents a question reaches: matched cards first, then retrieval, without repeats."""
    docs: list[str] = []
    threshold = consultant.retriever.cards().threshold
    for match in consultant.retriever.match_cards(
        question, audience=audience, municipality=consultant.municipality
    ):
        if match.similarity >= threshold:
            docs.append(match.card.doc_id)
    for hit in consultant.retrieve(question, audience):
        docs.append(hit.doc_id)
    return list(dict.fromkeys(docs))


def judge(item: dict, answer: Answer) -> bool:
    """Whether the answer does what the item expects (mode plus its facts, referral or lines)."""
    if answer.mode != item["expect"]:
        return False
    if item["expect"] == "answer":
        return has_all(answer.answer, item.get("facts") or [])
    if item["expect"] == "abstain" and item.get("refer"):
        return has_all(answer.answer, item["refer"])
    if item["expect"] == "escalate":
        return reached(answer, [str(c) for c in item.get("contacts") or []])
    return True


def main() -> None:
    """Run every question and write bench/results/answers-<name>.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "dev" / "questions.yaml")
    parser.add_argument("--name", default="dev")
    parser.add_argument("--engine", default="extractive")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="reuse an index folder (default: a fresh tmp one)"
    )
    parser.add_argument(
        "--models-dir", type=Path, default=ROOT / ".kodomo" / "models",
        help="converted e5 and fitted classifiers (another folder keeps a run apart from refits in progress)",
    )  # fmt: skip
    args = parser.parse_args()
    items = yaml.safe_load(args.questions.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        settings = get_settings().model_copy(update={"data_dir": data_dir, "models_path": args.models_dir})
        report = ingest_paths(open_knowledge_base(settings), [ROOT / "corpus"])
        print(report.summary())
        consultant = Consultant.from_settings(settings, engine=args.engine)
        consultant.ask("ウォームアップ")
        rows = []
        for item in items:
            audience = item.get("audience", "parent")
            answer = consultant.ask(item["question"], audience=audience)
            docs = ranked_docs(consultant, item["question"], audience)
            rows.append({
                "id": item["id"], "audience": audience, "expect": item["expect"], "mode": answer.mode,
                "ok": judge(item, answer), "parts": item.get("parts", 1),
                "facts_ok": has_all(answer.answer, item.get("facts") or []) if item["expect"] == "answer" else None,
                "doc_hit@5": bool(set(item.get("docs") or []) & set(docs[:5])) if item.get("docs") else None,
                "latency_ms": answer.latency_ms, "chars": len(answer.answer), "engine": answer.engine,
                "notes": answer.notes[:3], "answer": answer.answer,
            })  # fmt: skip
    answerable = [r for r in rows if r["expect"] == "answer"]
    with_docs = [r for r in rows if r["doc_hit@5"] is not None]
    parent_lengths = [r["chars"] for r in rows if r["audience"] == "parent" and r["mode"] == "answer"]
    latencies = sorted(r["latency_ms"] for r in rows)
    by_mode = {
        mode: f"{sum(r['ok'] for r in rows if r['expect'] == mode)}/{sum(r['expect'] == mode for r in rows)}"
        for mode in ("answer", "abstain", "refuse", "escalate")
    }
    compound = [r for r in answerable if r["parts"] > 1]
    summary = {
        "set": args.name,
        "engine": args.engine,
        "questions": len(rows),
        "key_facts_answerable": round(sum(r["ok"] for r in answerable) / max(len(answerable), 1), 3),
        "right_mode_all": round(sum(r["mode"] == r["expect"] for r in rows) / len(rows), 3),
        "right_all": round(sum(r["ok"] for r in rows) / len(rows), 3),
        "by_expected_mode": by_mode,
        "compound_key_facts": f"{sum(r['ok'] for r in compound)}/{len(compound)}",
        "doc_recall@5": round(sum(bool(r["doc_hit@5"]) for r in with_docs) / max(len(with_docs), 1), 3),
        "parent_answer_chars_median": statistics.median(parent_lengths) if parent_lengths else None,
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        },
        "answered_by_card": sum(any(n.startswith("card:") for n in r["notes"]) for r in rows),
    }
    out = {"summary": summary, "rows": rows}
    (ROOT / "bench" / "results" / f"answers-{args.name}.json").write_text(
        json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    for r in rows:
        if not r["ok"]:
            print(
                f"MISS {r['id']} expect={r['expect']} mode={r['mode']} {r['notes']} :: {r['answer'][:100]!r}"
            )


if __name__ == "__main__":
    main()
