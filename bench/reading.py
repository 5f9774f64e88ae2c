"""Reading benchmark on JaQuAD dev (Wikipedia questions nobody here wrote): is the gold span in the answer?

    .venv/bin/python bench/reading.py                          # all 3,939 questions, a fresh index
    .venv/bin/python bench/reading.py --limit 800 --data-dir /tmp/jaquad-kb   # a seeded sample, reused index

The dev paragraphs are ingested as a corpus (one document per article); each question goes through
retrieve → compose of the default engine. Scope, cards and rules are left out: they are about our domain,
and this measures how the answer is read out of retrieved text. Reports the share of questions whose gold
span is in the answer and in its lead sentence, retrieval's share (the span in any retrieved chunk), and
the median answer length. Writes bench/results/reading-<name>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from kodomo_ai.config import get_settings
from kodomo_ai.consult import Consultant
from kodomo_ai.engines.base import EngineRequest
from kodomo_ai.ingest.chunking import split_sentences
from kodomo_ai.ingest.pipeline import ingest_paths
from kodomo_ai.retrieval import Filters
from kodomo_ai.runtime import open_knowledge_base

ROOT = Path(__file__).resolve().parents[1]
JAQUAD = ROOT.parent / "shared" / "data" / "jaquad-dev"
_MARK = re.compile(r"\[\d+\]")


def norm(text: str) -> str:
    """How spans are compared: NFKC, no spaces or commas (as bench/answers.py)."""
    import unicodedata

    return re.sub(r"[\s,、]", "", unicodedata.normalize("NFKC", text))


def load_articles(folder: Path) -> tuple[list[dict], list[dict]]:
    """(articles with their paragraphs, questions with their gold answers) from SQuAD-format files."""
    articles, questions = [], []
    for path in sorted(folder.glob("*.json")):
        for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
            paragraphs = [p["context"] for p in article["paragraphs"]]
            articles.append({"title": article["title"], "paragraphs": paragraphs})
            for p in article["paragraphs"]:
                for qa in p["qas"]:
                    golds = [a["text"] for a in qa["answers"]]
                    questions.append({"id": qa["id"], "question": qa["question"], "answers": golds})
    return articles, questions


def write_corpus(articles: list[dict], folder: Path) -> None:
    """One Markdown document per article, each paragraph its own section."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, article in enumerate(articles):
        sections = "\n\n".join(
            f"## {article['title']} {n + 1}\n\n{p}" for n, p in enumerate(article["paragraphs"])
        )
        (folder / f"jaquad-{i:04d}.md").write_text(
            f"---\ndoc_id: jaquad-{i:04d}\ntitle: {json.dumps(article['title'], ensure_ascii=False)}\n"
            "sources: [https://github.com/SkelterLabsInc/JaQuAD]\npublished: 2022-01-01\n"
            f"effective_from: 2022-01-01\naudience: [parent, caseworker, trainer]\n---\n\n"
            f"# {article['title']}\n\n{sections}\n",
            encoding="utf-8",
        )


def main() -> None:
    """Answer the sample and write the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--jaquad", type=Path, default=JAQUAD)
    parser.add_argument(
        "--limit", type=int, default=0, help="a seeded sample of this many questions (0: all)"
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse an index folder")
    parser.add_argument("--no-ingest", action="store_true", help="use the --data-dir index as it is")
    parser.add_argument("--audience", default="parent")
    parser.add_argument("--name", default="jaquad-dev")
    args = parser.parse_args()
    articles, questions = load_articles(args.jaquad)
    if args.limit:
        questions = random.Random(0).sample(questions, args.limit)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp) / "kb"
        settings = get_settings().model_copy(
            update={"data_dir": data_dir, "models_path": ROOT / ".kodomo" / "models"}
        )
        if not args.no_ingest:
            write_corpus(articles, Path(tmp) / "corpus")  # unchanged documents are skipped on a reused index
            print(ingest_paths(open_knowledge_base(settings), [Path(tmp) / "corpus"]).summary())
        consultant = Consultant.from_settings(settings, engine="extractive")
        engine = consultant.fallback
        rows = []
        for item in questions:
            started = time.perf_counter()
            hits = consultant.retriever.search(
                item["question"], k=consultant.k, filters=Filters(audience=args.audience)
            )
            draft = engine.generate(
                EngineRequest(question=item["question"], hits=hits, audience=args.audience)
            )
            ms = (time.perf_counter() - started) * 1000
            text = _MARK.sub("", draft.text)
            lead = (split_sentences(text) or [""])[0]
            golds = [norm(g) for g in item["answers"]]
            rows.append({
                "id": item["id"], "in_answer": any(g in norm(text) for g in golds),
                "in_lead": any(g in norm(lead) for g in golds),
                "retrieved": any(g in norm(h.text) for h in hits for g in golds),
                "chars": len(text), "ms": round(ms, 1),
            })  # fmt: skip
    n = len(rows)
    times = sorted(r["ms"] for r in rows)
    summary = {
        "set": args.name, "questions": n,
        "span_in_answer": round(sum(r["in_answer"] for r in rows) / n, 3),
        "span_in_lead": round(sum(r["in_lead"] for r in rows) / n, 3),
        "span_retrieved": round(sum(r["retrieved"] for r in rows) / n, 3),
        "answer_chars_median": statistics.median(r["chars"] for r in rows),
        "ms_p50": round(statistics.median(times), 1), "ms_p95": round(times[int(0.95 * (n - 1))], 1),
    }  # fmt: skip
    out = ROOT / "bench" / "results" / f"reading-{args.name}.json"
    out.write_text(
        json.dumps({"summary": summary, "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
