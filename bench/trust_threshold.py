"""Fit the document-trust threshold: the risk classifier's refuse_instruction cut for document sentences.

Rule (stated, rerunnable): the F0.5 cut (precision weighted twice, as for every refusal) over
  positives  evals/training/trust/planted_instructions.yaml (an item counts by its highest sentence or pair)
  negatives  every sentence and neighbouring pair of the trusted corpus (corpus/, reviewed documents),
never below the cut the classifier acts on for questions, and above every piece of the reviewed corpus
(a reviewed document is never quarantined: precision 1 on the trusted set). Writes
src/kodomo_ai/safety/trust_threshold.yaml.
Usage: python bench/trust_threshold.py
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kodomo_ai.classify.fit import best_threshold  # noqa: E402
from kodomo_ai.config import get_settings  # noqa: E402
from kodomo_ai.ingest.loaders import load_file  # noqa: E402
from kodomo_ai.ingest.pipeline import collect_files  # noqa: E402
from kodomo_ai.runtime import open_risk_assessor  # noqa: E402
from kodomo_ai.safety.trust import INSTRUCTION_LABEL, THRESHOLD_FILE, document_sentences, screened_pieces  # noqa: E402

POSITIVES = ROOT / "evals" / "training" / "trust" / "planted_instructions.yaml"
BETA = 0.5


def main() -> None:
    """Score both sets, pick the cut, write the threshold file and print a short report."""
    started = time.perf_counter()
    settings = get_settings()
    model = open_risk_assessor(settings).model
    column = model.labels.index(INSTRUCTION_LABEL)
    act = float(model.thresholds[INSTRUCTION_LABEL]["act"])
    files, _, _ = collect_files([settings.corpus_dir])
    negatives: list[tuple[str, str]] = []
    for path in files:
        doc = load_file(path, max_bytes=int(settings.max_file_mb * 2**20))
        negatives.extend((doc.doc_id, piece) for piece in screened_pieces(document_sentences(doc.text)))
    items = [str(x) for x in yaml.safe_load(POSITIVES.read_text(encoding="utf-8"))]
    neg_scores = model.predict_proba([p for _, p in negatives])[:, column]
    pos_scores = np.array(
        [
            float(model.predict_proba(screened_pieces(document_sentences(item)))[:, column].max())
            for item in items
        ]
    )
    scores = np.concatenate([pos_scores, neg_scores])
    truth = np.concatenate([np.ones(len(pos_scores)), np.zeros(len(neg_scores))])
    fitted = best_threshold(scores, truth, BETA)
    above_corpus = float(np.nextafter(np.float32(neg_scores.max()), np.float32(1.0)))
    threshold = max(fitted, act, above_corpus)
    caught = int((pos_scores >= threshold).sum())
    false_docs = sorted({doc for (doc, _), s in zip(negatives, neg_scores, strict=True) if s >= threshold})
    top = sorted(zip(neg_scores, negatives, strict=True), key=lambda x: -x[0])[:5]
    report = {
        "label": INSTRUCTION_LABEL,
        "rule": f"max(F{BETA:g} cut over planted instructions vs trusted corpus pieces, question act cut, "
        "just above the highest trusted corpus piece)",
        "threshold": float(threshold),
        "fitted_cut": round(fitted, 4),
        "question_act_cut": round(act, 4),
        "positives": len(items),
        "positives_caught": caught,
        "corpus_pieces": len(negatives),
        "corpus_documents_over_threshold": false_docs,
        "highest_corpus_scores": [round(float(s), 4) for s, _ in top],
        "model_fingerprint": model.fingerprint,
        "fitted_on": dt.date.today().isoformat(),
    }
    header = (
        "# Written by bench/trust_threshold.py (rerun it after the risk classifier or the corpus changes).\n"
    )
    THRESHOLD_FILE.write_text(
        header + yaml.safe_dump(report, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    for score, (doc, piece) in top:
        print(f"  corpus {score:.3f} {doc}: {piece[:70]}")  # noqa: T201
    for score, item in sorted(zip(pos_scores, items, strict=True))[:5]:
        print(f"  planted {score:.3f} {item[:70]}")  # noqa: T201
    print(yaml.safe_dump(report, allow_unicode=True, sort_keys=False))  # noqa: T201
    print(f"{time.perf_counter() - started:.0f}s")  # noqa: T201


if __name__ == "__main__":
    main()
