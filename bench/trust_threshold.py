"""Fit the document-trust threshold: the risk classifier's refuse_instruction cut for document sentences.

Rule (stated, rerunnable): the F0.5 cut (precision weighted twice, as for every refusal) over
  positives  evals/training/trust/planted_instructions.yaml (an item counts by its highest sentence or pair)
  negatives  every sentence and neighbouring pair of the trusted corpus (corpus/, reviewed documents),
never below the cut the classifier acts on for questions, and above every piece of the reviewed corpus
(a reviewed document is never quarantined: precision 1 on the trusted set). Writes
src/kodomo_ai/safety/trust_threshold.yaml, then runs the whole document screen (instructions and contact
conflicts) over every corpus document without ingesting and prints how many it would quarantine (must be 0).
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
from kodomo_ai.safety.contacts import load_contacts  # noqa: E402
from kodomo_ai.safety.trust import (  # noqa: E402
    INSTRUCTION_LABEL,
    THRESHOLD_FILE,
    DocumentTrust,
    document_sentences,
    screened_pieces,
)

POSITIVES = ROOT / "evals" / "training" / "trust" / "planted_instructions.yaml"
# Lists the corpus documents whose sentences the classifier was not trained on (make_corpus_sentences.py).
CORPUS_SENTENCES = ROOT / "evals" / "training" / "router" / "corpus_sentences.yaml"
BETA = 0.5


def main() -> None:
    """Score both sets, pick the cut, write the threshold file, screen the corpus and print a short report."""
    started = time.perf_counter()
    settings = get_settings()
    assessor = open_risk_assessor(settings)
    model = assessor.model
    column = model.labels.index(INSTRUCTION_LABEL)
    act = float(model.thresholds[INSTRUCTION_LABEL]["act"])
    files, _, _ = collect_files([settings.corpus_dir])
    held_out: set[str] = set()
    if CORPUS_SENTENCES.exists():
        held_out = set(yaml.safe_load(CORPUS_SENTENCES.read_text(encoding="utf-8"))["held_out_documents"])
    docs = [load_file(path, max_bytes=int(settings.max_file_mb * 2**20)) for path in files]
    unseen = {
        doc.doc_id for doc, path in zip(docs, files, strict=True)
        if path.resolve().relative_to(ROOT).as_posix() in held_out
    }  # fmt: skip
    negatives: list[tuple[str, str]] = []
    neg_parts: list[np.ndarray] = []
    for doc in docs:
        pieces = screened_pieces(document_sentences(doc.text))
        negatives.extend((doc.doc_id, piece) for piece in pieces)
        # One document per batch, as the screen reads it: int8 activations are scaled per batch, so a piece
        # scored among other documents' pieces gets a slightly different probability than at ingest.
        if pieces:
            neg_parts.append(model.predict_proba(pieces)[:, column])
    items = [str(x) for x in yaml.safe_load(POSITIVES.read_text(encoding="utf-8"))]
    neg_scores = np.concatenate(neg_parts) if neg_parts else np.zeros(0)
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
    terms = {"f_beta": fitted, "question_act": act, "above_corpus": above_corpus}
    threshold = max(terms.values())
    caught = int((pos_scores >= threshold).sum())
    false_docs = sorted({doc for (doc, _), s in zip(negatives, neg_scores, strict=True) if s >= threshold})
    top = sorted(zip(neg_scores, negatives, strict=True), key=lambda x: -x[0])[:5]
    unseen_mask = np.array([doc in unseen for doc, _ in negatives])
    report = {
        "label": INSTRUCTION_LABEL,
        "rule": f"max(F{BETA:g} cut over planted instructions vs trusted corpus pieces, question act cut, "
        "just above the highest trusted corpus piece)",
        "threshold": float(threshold),
        "set_by": max(terms, key=lambda k: terms[k]),
        "fitted_cut": round(fitted, 4),
        "question_act_cut": round(act, 4),
        "positives": len(items),
        "positives_caught": caught,
        "corpus_pieces": len(negatives),
        "corpus_documents_over_threshold": false_docs,
        "highest_corpus_scores": [round(float(s), 4) for s, _ in top],
        # Documents whose sentences the classifier never saw in training: the honest view of a new document.
        "unseen_corpus_documents": len(unseen),
        "highest_unseen_corpus_score": round(float(neg_scores[unseen_mask].max()), 4)
        if unseen_mask.any()
        else None,
        "highest_trained_corpus_score": round(float(neg_scores[~unseen_mask].max()), 4),
        "model_fingerprint": model.fingerprint,
        "fitted_on": dt.date.today().isoformat(),
    }
    header = (
        "# Written by bench/trust_threshold.py (rerun it after the risk classifier or the corpus changes).\n"
    )
    THRESHOLD_FILE.write_text(
        header + yaml.safe_dump(report, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    # The whole screen (instructions and contact conflicts) over every trusted document, as an ingest runs it.
    trust = DocumentTrust(assessor, load_contacts(settings.corpus_dir / "contacts" / "contacts.md"))
    quarantined = {doc.doc_id: trust.findings(doc) for doc in docs}
    quarantined = {k: v for k, v in quarantined.items() if v}
    for score, (doc, piece) in top:
        print(f"  corpus {score:.3f} {doc}: {piece[:70]}")  # noqa: T201
    for score, item in sorted(zip(pos_scores, items, strict=True))[:5]:
        print(f"  planted {score:.3f} {item[:70]}")  # noqa: T201
    for doc_id, findings in quarantined.items():
        print(f"  quarantined {doc_id}: {findings[0].kind} {findings[0].sentence[:60]}")  # noqa: T201
    print(yaml.safe_dump(report, allow_unicode=True, sort_keys=False))  # noqa: T201
    print(f"corpus documents screened: {len(docs)}, quarantined: {len(quarantined)}")  # noqa: T201
    print(f"{time.perf_counter() - started:.0f}s")  # noqa: T201


if __name__ == "__main__":
    main()
