"""Ingest files into the knowledge base; idempotent by content hash, safe to interrupt."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kodomo_ai.errors import IngestError
from kodomo_ai.index.cards import fit_match_threshold
from kodomo_ai.index.knowledge_base import KnowledgeBase, chunk_metadata
from kodomo_ai.index.lexical import index_terms
from kodomo_ai.ingest.cards import cards_from_qa_page, load_card_file
from kodomo_ai.ingest.chunking import chunk_document
from kodomo_ai.ingest.loaders import SUPPORTED_SUFFIXES, load_file
from kodomo_ai.ingest.normalise import normalise_text
from kodomo_ai.schema import Card, Chunk, Document

log = logging.getLogger(__name__)
# Bump when chunking or word-index terms change: unchanged files must then be indexed again.
INDEX_FORMAT = "4"
# Embed several documents' chunks together: the encoder is far faster on full batches.
_EMBED_BATCH = 512


@dataclass
class IngestReport:
    """What an ingest run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    chunks: int = 0
    cards: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: added / updated / removed / unchanged counts."""
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}, errors {len(self.errors)} ({self.chunks} chunks, {self.cards} cards, "
            f"{self.seconds:.1f}s)"
        )


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path], list[IngestError]]:
    """Expand folders into supported files; return (files, folders scanned, errors for missing paths)."""
    files: list[Path] = []
    folders: list[Path] = []
    errors: list[IngestError] = []
    for path in paths:
        if path.is_dir():
            folders.append(path)
            # README files describe a folder; they are not corpus documents.
            found = [
                p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            ]
            files.extend(p for p in found if p.name.lower() != "readme.md" and not p.name.startswith("."))
        elif path.exists():
            files.append(path)
        else:
            errors.append(IngestError(str(path), "ファイルが見つかりません (no such file or folder)"))
    return files, folders, errors


def ingest_paths(kb: KnowledgeBase, paths: Iterable[Path], *, max_bytes: int = 20 * 2**20) -> IngestReport:
    """Bring the index in line with `paths`: add new, replace changed, drop removed, skip unchanged."""
    started = time.perf_counter()
    report = IngestReport()
    files, folders, report.errors = collect_files(paths)
    _check_model(kb)
    indexed = kb.catalog.hashes()
    seen: set[str] = set()
    pending: list[tuple[Document, list[Chunk]]] = []
    qa_cards: list[Card] = []
    for path in files:
        try:
            doc = load_file(path, max_bytes=max_bytes)
        except IngestError as exc:
            report.errors.append(exc)
            continue
        qa_cards.extend(cards_from_qa_page(doc))
        if doc.doc_id in seen:
            report.errors.append(
                IngestError(str(path), f"doc_id が重複しています: {doc.doc_id} (duplicate doc_id)")
            )
            continue
        seen.add(doc.doc_id)
        previous = indexed.get(doc.doc_id)
        if previous and previous[1] == doc.content_hash and kb.catalog.chunk_ids(doc.doc_id):
            report.unchanged.append(doc.doc_id)
            continue
        (report.updated if previous else report.added).append(doc.doc_id)
        chunks = chunk_document(doc)
        if not chunks:
            report.errors.append(IngestError(str(path), "本文から段落を取り出せません (no text to index)"))
            continue
        pending.append((doc, chunks))
        if sum(len(c) for _, c in pending) >= _EMBED_BATCH:
            report.chunks += _write(kb, pending)
            pending = []
    report.chunks += _write(kb, pending)
    report.removed = _remove_missing(kb, indexed, seen, report, folders, files)
    _sweep_orphans(kb)
    card_files = sorted(p for folder in folders for p in folder.rglob("cards/*.yaml"))
    cards_changed = _index_cards(kb, card_files, qa_cards, report) if card_files or qa_cards else False
    if report.added or report.updated or report.removed or cards_changed:
        kb.catalog.set_info("generation", uuid.uuid4().hex)
    report.seconds = time.perf_counter() - started
    return report


def _check_model(kb: KnowledgeBase) -> None:
    """Rebuild everything when the embedding model or the chunking/term logic changed since the last run."""
    wanted = {"embedding_model": kb.embedder.name, "index_format": INDEX_FORMAT}
    indexed = bool(kb.catalog.hashes())  # an index without a recorded value predates it: rebuild too
    changed = {
        k: v for k, v in wanted.items() if kb.catalog.get_info(k) != v and (indexed or kb.catalog.get_info(k))
    }
    if changed:
        log.warning("index settings changed (%s): re-indexing everything", ", ".join(changed))
        for doc_id in kb.catalog.hashes():
            kb.store.delete(sorted(kb.catalog.chunk_ids(doc_id)))
            kb.catalog.remove_document(doc_id)
    for key, value in wanted.items():
        kb.catalog.set_info(key, value)


def _write(kb: KnowledgeBase, pending: list[tuple[Document, list[Chunk]]]) -> int:
    """Embed a batch of documents, then commit: vectors first, catalog last (the catalog is the truth)."""
    if not pending:
        return 0
    chunks = [(doc, c) for doc, doc_chunks in pending for c in doc_chunks]
    texts = [f"{doc.title} {c.heading}\n{c.text}" for doc, c in chunks]
    vectors = kb.embedder.embed_batch(texts, kind="passage")
    # One upsert for the whole batch: Chroma's per-call overhead dominates for small documents.
    kb.store.add([c.chunk_id for _, c in chunks], vectors, [chunk_metadata(doc, c) for doc, c in chunks])
    for doc, doc_chunks in pending:
        old = kb.catalog.chunk_ids(doc.doc_id)
        terms = [index_terms(f"{doc.title} {c.heading}\n{c.text}") for c in doc_chunks]
        kb.catalog.replace_document(doc, doc_chunks, terms)
        kb.store.delete(sorted(old - {c.chunk_id for c in doc_chunks}))
    return len(texts)


def _index_cards(kb: KnowledgeBase, files: list[Path], qa_cards: list[Card], report: IngestReport) -> bool:
    """Check every card against the indexed documents, embed its wordings, and replace the card table.

    A card whose document is not indexed or whose quote is not in that document gets an error line; the
    others are indexed. Vectors of unchanged wordings are reused. True when the table changed.
    """
    cards = list(qa_cards)
    for path in files:
        loaded, errors = load_card_file(path)
        cards.extend(loaded)
        report.errors.extend(errors)
    docs = {d["doc_id"]: d for d in kb.catalog.documents()}
    texts: dict[str, str] = {}
    for chunk, _terms, _doc in kb.catalog.all_chunks():
        texts[chunk.doc_id] = texts.get(chunk.doc_id, "") + "\n" + chunk.text
    valid: list[Card] = []
    for card in cards:
        missing = [c.doc_id for c in card.citations if c.doc_id not in docs]
        if card.doc_id not in docs or missing:
            report.errors.append(
                IngestError(
                    card.source_path or card.doc_id,
                    f"[{card.card_id}] 引用先の文書が索引にありません: {missing or card.doc_id}",
                )
            )
            continue
        absent = [
            c.quote
            for c in card.citations
            if normalise_text(c.quote) not in normalise_text(texts.get(c.doc_id, ""))
        ]
        if absent:
            report.errors.append(
                IngestError(
                    card.source_path or card.doc_id,
                    f"[{card.card_id}] 引用文が文書にありません: {absent[0][:40]}",
                )
            )
            continue
        card.municipality = docs[card.doc_id].get("municipality") or None
        valid.append(card)
    old: dict[str, np.ndarray] = {}
    for card, vectors in kb.catalog.cards():
        old.update(zip(card.match_texts(), vectors, strict=False))
    wanted = [t for card in valid for t in card.match_texts() if t not in old]
    if wanted:
        old.update(zip(wanted, kb.embedder.embed_batch(wanted, kind="query"), strict=True))
    rows = [(card, np.stack([old[t] for t in card.match_texts()])) for card in valid]
    before = {c.model_dump_json() for c, _ in kb.catalog.cards()}
    kb.catalog.replace_cards(rows)
    kb.catalog.set_info("card_threshold", f"{fit_match_threshold(rows):.4f}")
    report.cards = len(rows)
    return before != {c.model_dump_json() for c, _ in rows}


def _remove_missing(
    kb: KnowledgeBase,
    indexed: dict[str, tuple[str, str]],
    seen: set[str],
    report: IngestReport,
    folders: list[Path],
    files: list[Path],
) -> list[str]:
    """Drop documents whose file is gone from a scanned folder or now holds another doc_id."""
    roots = [f.resolve() for f in folders]
    named = {f.resolve() for f in files}
    # A file that failed to load keeps its previous version in the index.
    failed = {Path(e.path).resolve() for e in report.errors}
    removed = []
    for doc_id, (path, _hash) in indexed.items():
        resolved = Path(path).resolve()
        if doc_id in seen or resolved in failed:
            continue
        if resolved in named or any(resolved.is_relative_to(root) for root in roots):
            kb.store.delete(sorted(kb.catalog.chunk_ids(doc_id)))
            kb.catalog.remove_document(doc_id)
            removed.append(doc_id)
    return removed


def _sweep_orphans(kb: KnowledgeBase) -> None:
    """Delete vectors an interrupted run left without catalog rows."""
    orphans = kb.store.ids() - kb.catalog.chunk_ids()
    kb.store.delete(sorted(orphans))


def retire_document(kb: KnowledgeBase, doc_id: str) -> bool:
    """Remove one document from the index (admin action); True when it existed."""
    if doc_id not in kb.catalog.hashes():
        return False
    kb.store.delete(sorted(kb.catalog.chunk_ids(doc_id)))
    kb.catalog.remove_document(doc_id)
    kb.catalog.set_info("generation", uuid.uuid4().hex)
    return True
