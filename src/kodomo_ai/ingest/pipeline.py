"""Ingest files into the knowledge base: idempotent by content hash, one transaction per file, one generation per run."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kodomo_ai.errors import IngestError
from kodomo_ai.index.cards import fit_match_threshold
from kodomo_ai.index.catalog import Catalog
from kodomo_ai.index.generations import IndexSnapshot
from kodomo_ai.index.knowledge_base import KnowledgeBase, chunk_metadata
from kodomo_ai.index.lexical import index_terms
from kodomo_ai.ingest.cards import cards_from_qa_page, load_card_file
from kodomo_ai.ingest.chunking import chunk_document
from kodomo_ai.ingest.loaders import SUPPORTED_SUFFIXES, load_file
from kodomo_ai.ingest.normalise import normalise_text
from kodomo_ai.ingest.screen import DocumentScreen, Finding
from kodomo_ai.schema import Card, Chunk, Document

log = logging.getLogger(__name__)
# Bump when chunking or word-index terms change: unchanged files must then be indexed again.
INDEX_FORMAT = "4"
# Embed several documents' chunks together: the encoder is far faster on full batches.
_EMBED_BATCH = 512


@dataclass
class Quarantined:
    """A document kept out of the index because of what it says."""

    path: str
    doc_id: str
    findings: list[Finding]

    def lines(self) -> list[str]:
        """One line per finding: the file, the sentence and why."""
        return [f"{self.path}: 「{f.sentence[:80]}」 {f.reason}" for f in self.findings]


@dataclass
class IngestReport:
    """What an ingest run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    chunks: int = 0
    cards: int = 0
    seconds: float = 0.0
    generation: str = ""

    @property
    def failed(self) -> int:
        """Files that did not go in: errors plus quarantined documents."""
        return len({e.path for e in self.errors}) + len(self.quarantined)

    def summary(self) -> str:
        """One line: added / updated / removed / unchanged / quarantined / failed counts."""
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}, quarantined {len(self.quarantined)}, errors {len(self.errors)} "
            f"({self.chunks} chunks, {self.cards} cards, {self.seconds:.1f}s)"
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


@dataclass
class _Run:
    """What one run has read so far, before anything is written."""

    indexed: dict[str, tuple[str, str]]
    rescreen: bool
    seen: set[str] = field(default_factory=set)
    pending: list[tuple[Document, list[Chunk]]] = field(default_factory=list)
    qa_cards: list[Card] = field(default_factory=list)
    quarantine: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    loaded: set[Path] = field(default_factory=set)


def ingest_paths(
    kb: KnowledgeBase,
    paths: Iterable[Path],
    *,
    max_bytes: int = 20 * 2**20,
    screen: DocumentScreen | None = None,
    record_as: dict[Path, Path] | None = None,
    before_publish: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Bring the index in line with `paths`: add new, replace changed, drop removed, skip unchanged.

    Each file is its own transaction: a file that fails gets one error line and keeps its previous version;
    the rest of the run goes on. Everything that went in becomes the next index generation at once, so
    readers never see half a run. `screen` keeps untrusted documents out (quarantine); `record_as` records a
    staged file under its final path; `before_publish` runs under the writer lock just before the swap.
    """
    started = time.perf_counter()
    report = IngestReport()
    files, folders, report.errors = collect_files(paths)
    renamed = {Path(k).resolve(): v for k, v in (record_as or {}).items()}
    with kb.update() as txn:
        base = txn.base.catalog
        rebuild = _settings_changed(kb, base)
        run = _Run(
            indexed={} if rebuild else base.hashes(),
            rescreen=screen is not None and base.get_info("trust_screen") != screen.version,
        )
        for path in files:
            shown = renamed.get(path.resolve(), path)
            try:
                _read_file(kb, base, path, shown, run, report, max_bytes, screen)
            except IngestError as exc:
                report.errors.append(IngestError(str(shown), exc.reason))
            except Exception as exc:  # one bad file is that file's error, never the run's
                log.exception("ingest of %s failed", shown)
                reason = f"読み込めません ({type(exc).__name__}: {exc})".splitlines()[0][:300]
                report.errors.append(IngestError(str(shown), reason))
        removed = _missing(run, report, folders, files, renamed)
        before = {q["path"]: q for q in base.quarantined()}
        for entry in before.values():
            if entry["path"] not in run.quarantine and _in_scope(entry["path"], folders, files, renamed):
                run.quarantine[entry["path"]] = None  # its file is gone
        quarantine = {
            path: entry
            for path, entry in run.quarantine.items()
            if _quarantine_changed(before.get(path), entry)
        }
        screen_changed = screen is not None and base.get_info("trust_screen") != screen.version
        if run.pending or removed or rebuild or quarantine or screen_changed:
            draft = txn.draft(empty=rebuild)
            for key, value in _wanted_settings(kb).items():
                draft.catalog.set_info(key, value)
            report.chunks = _write(kb, draft, run.pending)
            for doc_id in removed:
                draft.store.delete(sorted(draft.catalog.chunk_ids(doc_id)))
                draft.catalog.remove_document(doc_id)
            report.removed = removed
            if quarantine:
                draft.catalog.set_quarantine(quarantine)
            if screen is not None:
                draft.catalog.set_info("trust_screen", screen.version)
        card_files = sorted(p for folder in folders for p in folder.rglob("cards/*.yaml"))
        if card_files or run.qa_cards:
            target = txn.draft().catalog if txn.started else base
            published = [c for c, _ in base.cards() if c.published]
            rows = _card_rows(kb, target, card_files, run.qa_cards, report, published)
            if _cards_differ(target, rows):
                target = txn.draft().catalog
                target.replace_cards(rows)
                target.set_info("card_threshold", f"{fit_match_threshold(rows):.4f}")
        if before_publish is not None:
            before_publish(report)
        report.generation = txn.draft().generation if txn.started else txn.base.generation
    report.seconds = time.perf_counter() - started
    return report


def _read_file(
    kb: KnowledgeBase,
    base: Catalog,
    path: Path,
    shown: Path,
    run: _Run,
    report: IngestReport,
    max_bytes: int,
    screen: DocumentScreen | None,
) -> None:
    """Load, screen and chunk one file into `run` (raises IngestError for a bad file)."""
    doc = load_file(path, max_bytes=max_bytes, record_as=shown if shown != path else None)
    run.loaded.add(Path(doc.path))
    if doc.doc_id in run.seen:
        raise IngestError(str(shown), f"doc_id が重複しています: {doc.doc_id} (duplicate doc_id)")
    previous = run.indexed.get(doc.doc_id)
    unchanged = bool(previous and previous[1] == doc.content_hash and base.chunk_ids(doc.doc_id))
    if unchanged and not run.rescreen:
        run.seen.add(doc.doc_id)
        run.qa_cards.extend(cards_from_qa_page(doc))
        report.unchanged.append(doc.doc_id)
        return
    findings = screen.findings(doc) if screen is not None else []
    run.quarantine[doc.path] = (
        {"doc_id": doc.doc_id, "content_hash": doc.content_hash, "findings": [f.as_dict() for f in findings]}
        if findings
        else None
    )
    if findings:
        report.quarantined.append(Quarantined(str(shown), doc.doc_id, findings))
        return
    run.seen.add(doc.doc_id)
    run.qa_cards.extend(cards_from_qa_page(doc))
    if unchanged:
        report.unchanged.append(doc.doc_id)
        return
    chunks = chunk_document(doc)
    if not chunks:
        run.seen.discard(doc.doc_id)
        raise IngestError(str(shown), "本文から段落を取り出せません (no text to index)")
    (report.updated if previous else report.added).append(doc.doc_id)
    run.pending.append((doc, chunks))


def _wanted_settings(kb: KnowledgeBase) -> dict[str, str]:
    return {"embedding_model": kb.embedder.name, "index_format": INDEX_FORMAT}


def _settings_changed(kb: KnowledgeBase, catalog: Catalog) -> bool:
    """Whether the embedding model or the chunking/term logic changed since the index was built."""
    indexed = bool(catalog.hashes())  # an index without a recorded value predates it: rebuild too
    changed = [
        k for k, v in _wanted_settings(kb).items()
        if catalog.get_info(k) != v and (indexed or catalog.get_info(k))
    ]  # fmt: skip
    if changed:
        log.warning("index settings changed (%s): re-indexing everything", ", ".join(changed))
    return bool(changed)


def _write(kb: KnowledgeBase, draft: IndexSnapshot, pending: list[tuple[Document, list[Chunk]]]) -> int:
    """Embed the new documents in batches and write them into the draft generation."""
    total = 0
    batch: list[tuple[Document, list[Chunk]]] = []
    for item in pending:
        batch.append(item)
        if sum(len(c) for _, c in batch) >= _EMBED_BATCH:
            total += _write_batch(kb, draft, batch)
            batch = []
    return total + _write_batch(kb, draft, batch)


def _write_batch(kb: KnowledgeBase, draft: IndexSnapshot, pending: list[tuple[Document, list[Chunk]]]) -> int:
    """Embed a batch of documents, then write vectors and catalog rows."""
    if not pending:
        return 0
    chunks = [(doc, c) for doc, doc_chunks in pending for c in doc_chunks]
    texts = [f"{doc.title} {c.heading}\n{c.text}" for doc, c in chunks]
    vectors = kb.embedder.embed_batch(texts, kind="passage")
    # One upsert for the whole batch: Chroma's per-call overhead dominates for small documents.
    draft.store.add([c.chunk_id for _, c in chunks], vectors, [chunk_metadata(doc, c) for doc, c in chunks])
    for doc, doc_chunks in pending:
        old = draft.catalog.chunk_ids(doc.doc_id)
        terms = [index_terms(f"{doc.title} {c.heading}\n{c.text}") for c in doc_chunks]
        draft.catalog.replace_document(doc, doc_chunks, terms)
        draft.store.delete(sorted(old - {c.chunk_id for c in doc_chunks}))
    return len(texts)


def _card_rows(
    kb: KnowledgeBase, catalog: Catalog, files: list[Path], qa_cards: list[Card], report: IngestReport,
    published: list[Card] | None = None,
) -> list[tuple[Card, np.ndarray]]:  # fmt: skip
    """Check every card against the indexed documents and embed its wordings (unchanged ones are reused).

    A card whose document is not indexed or whose quote is not in that document gets an error line; the
    others are returned with their vectors. `published` cards (from the gap report, already live) are kept
    unless a card file of this run has the same id.
    """
    cards = list(qa_cards)
    for path in files:
        loaded, errors = load_card_file(path)
        cards.extend(loaded)
        report.errors.extend(errors)
    ids = {c.card_id for c in cards}
    cards.extend(c for c in published or [] if c.card_id not in ids)
    docs = {d["doc_id"]: d for d in catalog.documents()}
    texts: dict[str, str] = {}
    for chunk, _terms, _doc in catalog.all_chunks():
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
    for card, vectors in catalog.cards():
        old.update(zip(card.match_texts(), vectors, strict=False))
    wanted = [t for card in valid for t in card.match_texts() if t not in old]
    if wanted:
        old.update(zip(wanted, kb.embedder.embed_batch(wanted, kind="query"), strict=True))
    rows = [(card, np.stack([old[t] for t in card.match_texts()])) for card in valid]
    report.cards = len(rows)
    return rows


def _cards_differ(catalog: Catalog, rows: list[tuple[Card, np.ndarray]]) -> bool:
    """Whether `rows` differ from the catalog's card table."""
    before = {c.model_dump_json() for c, _ in catalog.cards()}
    return before != {c.model_dump_json() for c, _ in rows}


def _in_scope(path: str, folders: list[Path], files: list[Path], renamed: dict[Path, Path]) -> bool:
    """Whether a recorded path is one this run looked at (a named file or inside a scanned folder)."""
    resolved = Path(path).resolve()
    named = {renamed.get(f.resolve(), f).resolve() for f in files}
    return resolved in named or any(resolved.is_relative_to(f.resolve()) for f in folders)


def _missing(
    run: _Run, report: IngestReport, folders: list[Path], files: list[Path], renamed: dict[Path, Path]
) -> list[str]:
    """Documents whose file is gone from a scanned folder, now holds another doc_id, or was quarantined."""
    # A file that failed to load keeps its previous version in the index.
    failed = {Path(e.path).resolve() for e in report.errors}
    removed = []
    for doc_id, (path, _hash) in run.indexed.items():
        if doc_id in run.seen or Path(path).resolve() in failed:
            continue
        if _in_scope(path, folders, files, renamed):
            removed.append(doc_id)
    return removed


def _quarantine_changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    if before is None or after is None:
        return (before is None) != (after is None)
    return (before["content_hash"], before["findings"]) != (after["content_hash"], after["findings"])


def retire_document(kb: KnowledgeBase, doc_id: str) -> bool:
    """Remove one document from the index (admin action) in a new generation; True when it existed."""
    with kb.update() as txn:
        if doc_id not in txn.base.catalog.hashes():
            return False
        draft = txn.draft()
        draft.store.delete(sorted(draft.catalog.chunk_ids(doc_id)))
        draft.catalog.remove_document(doc_id)
    return True
