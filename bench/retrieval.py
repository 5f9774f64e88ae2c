"""Retrieval benchmark on JaQuAD dev: recall@1/5/10 and MRR of the gold paragraph for BM25 (Sudachi),
BM25 (character bigrams), dense (e5) and hybrid; search latency; ingestion vs raw encoder throughput.

    .venv/bin/python bench/retrieval.py [--limit N] [--data ../shared/data/jaquad-dev]
    .venv/bin/python bench/retrieval.py --corpus     # `kodomo-ai ingest corpus` as the CLI runs it (trust screen
                                                     # included) vs the encoder alone → bench/results/ingest-corpus.json
    --models-dir DIR (default .kodomo/models): where the converted e5 and the fitted classifiers are kept
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from kodomo_ai.index.embeddings import DEFAULT_MODEL, load_embedder
from kodomo_ai.index.knowledge_base import KnowledgeBase
from kodomo_ai.index.lexical import BM25, char_bigrams, index_terms
from kodomo_ai.ingest.pipeline import ingest_paths
from kodomo_ai.retrieval import Retriever, fuse

ROOT = Path(__file__).resolve().parents[1]


def load_jaquad(folder: Path) -> tuple[list[str], list[tuple[str, int]]]:
    """Unique paragraphs and (question, gold paragraph index) pairs."""
    paragraphs: dict[str, int] = {}
    questions = []
    for file in sorted(folder.glob("*.json")):
        for article in json.loads(file.read_text(encoding="utf-8"))["data"]:
            for para in article["paragraphs"]:
                idx = paragraphs.setdefault(para["context"], len(paragraphs))
                questions.extend((qa["question"], idx) for qa in para["qas"])
    return list(paragraphs), questions


def metrics(rankings: list[list[int]], gold: list[int]) -> dict[str, float]:
    """recall@1/5/10 and MRR (over the top 10) of the gold paragraph."""
    out = {"recall@1": 0.0, "recall@5": 0.0, "recall@10": 0.0, "mrr": 0.0}
    for ranking, g in zip(rankings, gold, strict=True):
        rank = ranking.index(g) + 1 if g in ranking else None
        for k in (1, 5, 10):
            out[f"recall@{k}"] += rank is not None and rank <= k
        out["mrr"] += 1.0 / rank if rank else 0.0
    return {k: round(v / len(gold), 4) for k, v in out.items()}


def dedupe_docs(ids: list[str], doc_of: dict[str, int], k: int = 10) -> list[int]:
    """Chunk ids -> paragraph ranking without repeats."""
    out: list[int] = []
    for cid in ids:
        d = doc_of[cid]
        if d not in out:
            out.append(d)
        if len(out) == k:
            break
    return out


def corpus_ingest(models_dir: Path) -> dict:
    """Ingest corpus/ into a fresh index as the CLI does; time the encoder's own calls inside it.

    The ratio is ingest throughput over the encoder's throughput on the same texts: the share of the run spent
    encoding (everything else — loading, chunking, Sudachi, the trust screen's classifier, the stores — is overhead).
    """
    from kodomo_ai.config import get_settings
    from kodomo_ai.safety.trust import open_document_trust

    settings = get_settings().model_copy(update={"models_path": models_dir})
    embedder = load_embedder(DEFAULT_MODEL, settings.models_path)
    screen = open_document_trust(settings)
    encode = embedder.model.encode
    spent = {"seconds": 0.0, "texts": 0}

    def timed(texts, *args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        out = encode(texts, *args, **kwargs)
        spent["seconds"] += time.perf_counter() - started
        spent["texts"] += len(texts) if isinstance(texts, list) else 1
        return out

    embedder.model.encode = timed  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase.open(Path(tmp) / "index", embedder, collection="corpus-bench")
        report = ingest_paths(kb, [ROOT / "corpus"], screen=screen)
    return {
        "documents_added": len(report.added), "chunks": report.chunks, "cards": report.cards,
        "errors": len(report.errors), "quarantined": len(report.quarantined),
        "seconds": round(report.seconds, 1), "encoder_seconds": round(spent["seconds"], 1),
        "texts_encoded": spent["texts"], "ratio": round(spent["seconds"] / report.seconds, 3),
        "machine": f"{platform.machine()} cores={__import__('os').cpu_count()}",
        "load_average": [round(x, 1) for x in __import__("os").getloadavg()],
    }  # fmt: skip


def main() -> None:
    """Run the benchmark and write bench/results/retrieval.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "jaquad-dev")
    parser.add_argument("--limit", type=int, default=0, help="questions to ask (0 = all)")
    parser.add_argument("--latency-sample", type=int, default=300)
    parser.add_argument("--corpus", action="store_true", help="only the corpus ingest throughput")
    parser.add_argument(
        "--models-dir", type=Path, default=ROOT / ".kodomo" / "models", help="converted e5, classifiers"
    )
    args = parser.parse_args()
    if args.corpus:
        out = corpus_ingest(args.models_dir)
        (ROOT / "bench" / "results" / "ingest-corpus.json").write_text(
            json.dumps(out, indent=1), encoding="utf-8"
        )
        print(json.dumps(out, indent=1))
        return

    paragraphs, questions = load_jaquad(args.data)
    if args.limit:
        questions = questions[: args.limit]
    embedder = load_embedder(DEFAULT_MODEL, args.models_dir)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "jaquad"
        corpus.mkdir()
        for i, text in enumerate(paragraphs):
            (corpus / f"p{i:05d}.txt").write_text(text, encoding="utf-8")
        kb = KnowledgeBase.open(Path(tmp) / "index", embedder, collection="jaquad-bench")
        report = ingest_paths(kb, [corpus])
        rows = kb.catalog.all_chunks()
        chunk_texts = [f"{d.get('title', '')} {c.heading}\n{c.text}" for c, _t, d in rows]
        # The raw encoder on the same texts, bypassing the embedder's cache.
        started = time.perf_counter()
        embedder.model.encode(chunk_texts, prompt_name="passage", batch_size=32, normalize_embeddings=True)
        encoder_s = time.perf_counter() - started
        doc_of = {c.chunk_id: int(c.doc_id[1:]) for c, _t, _d in rows}

        retriever = Retriever(kb)
        words = retriever.words()
        chunk_ids = [c.chunk_id for c in words.chunks]
        bigram = BM25(char_bigrams(c.text) for c in words.chunks)
        gold = [g for _, g in questions]
        texts = [q for q, _ in questions]
        qvecs = embedder.embed_batch(texts, kind="query")

        runs: dict[str, list[list[int]]] = {
            m: [] for m in ("bm25_sudachi", "bm25_bigram", "dense", "hybrid_rrf", "hybrid_zscore")
        }
        for text, vec in zip(texts, qvecs, strict=True):
            lexical = [(chunk_ids[i], s) for i, s in words.bm25.top(index_terms(text), 40)]
            dense = kb.store.query(vec, 40)
            runs["bm25_sudachi"].append(dedupe_docs([c for c, _ in lexical], doc_of))
            runs["bm25_bigram"].append(
                dedupe_docs([chunk_ids[i] for i, _ in bigram.top(char_bigrams(text), 40)], doc_of)
            )
            runs["dense"].append(dedupe_docs([c for c, _ in dense], doc_of))
            runs["hybrid_rrf"].append(dedupe_docs([c for c, _ in fuse(dense, lexical, method="rrf")], doc_of))
            runs["hybrid_zscore"].append(
                dedupe_docs([c for c, _ in fuse(dense, lexical, method="zscore")], doc_of)
            )
        results = {name: metrics(r, gold) for name, r in runs.items()}

        latencies = []
        embedder._cache.clear()  # every timed search encodes its question afresh
        for text in texts[-args.latency_sample :]:
            t0 = time.perf_counter()
            retriever.search(text, k=10)
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()

    ingest_rate = report.chunks / report.seconds
    encoder_rate = len(chunk_texts) / encoder_s
    out = {
        "dataset": "JaQuAD dev (CC BY-SA 3.0)",
        "paragraphs": len(paragraphs),
        "chunks": len(chunk_texts),
        "questions": len(questions),
        "retrieval": results,
        "search_latency_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
            "n": len(latencies),
        },
        "ingest": {
            "chunks_per_s": round(ingest_rate, 1),
            "encoder_chunks_per_s": round(encoder_rate, 1),
            "ratio": round(ingest_rate / encoder_rate, 3),
            "seconds": round(report.seconds, 1),
        },
        "machine": f"{platform.machine()} {platform.processor() or ''} cores={__import__('os').cpu_count()}",
    }
    path = ROOT / "bench" / "results" / "retrieval.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=1))
    print("\n| method | recall@1 | recall@5 | recall@10 | MRR |\n|---|---|---|---|---|")
    for name, m in results.items():
        print(f"| {name} | {m['recall@1']} | {m['recall@5']} | {m['recall@10']} | {m['mrr']} |")


if __name__ == "__main__":
    main()
