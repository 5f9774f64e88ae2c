"""The catalog: documents, chunks and their word-index terms in SQLite, the source of truth for the index."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from kodomo_ai.schema import Card, Chunk, Document

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
  doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, content_hash TEXT NOT NULL,
  meta TEXT NOT NULL, ingested_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
  chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
  position INTEGER NOT NULL, heading TEXT NOT NULL, text TEXT NOT NULL, terms TEXT NOT NULL, meta TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, position);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cards (
  card_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, data TEXT NOT NULL, vectors BLOB NOT NULL, dim INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS quarantine (
  path TEXT PRIMARY KEY, doc_id TEXT NOT NULL, content_hash TEXT NOT NULL, findings TEXT NOT NULL, at TEXT NOT NULL);
"""


class Catalog:
    """SQLite file holding what is indexed; each document's rows change in one transaction."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        if read_only:
            # A published generation never changes: open it read-only so no reader can write to it.
            self._db = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
            )
        else:
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self.version = 0  # bumped on every change so readers can refresh their word index

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self.version += 1

    def get_info(self, key: str) -> str | None:
        """Read a key of the index's own settings (e.g. the embedding model)."""
        row = self._db.execute("SELECT value FROM info WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_info(self, key: str, value: str) -> None:
        """Write a key of the index's own settings."""
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (key, value))

    def hashes(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (path, content hash) of every indexed document."""
        rows = self._db.execute("SELECT doc_id, path, content_hash FROM documents").fetchall()
        return {doc_id: (path, digest) for doc_id, path, digest in rows}

    def replace_document(self, doc: Document, chunks: list[Chunk], terms: list[list[str]]) -> None:
        """Make `doc` and exactly `chunks` the indexed state of this document, atomically."""
        meta = doc.model_dump(mode="json", exclude={"text"})
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._tx() as db:
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc.doc_id,))
            db.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?)",
                (doc.doc_id, doc.path, doc.content_hash, json.dumps(meta, ensure_ascii=False), now),
            )
            db.executemany(
                "INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (c.chunk_id, c.doc_id, c.position, c.heading, c.text,
                     json.dumps(t, ensure_ascii=False), json.dumps(c.metadata, ensure_ascii=False))
                    for c, t in zip(chunks, terms, strict=True)
                ],
            )  # fmt: skip

    def remove_document(self, doc_id: str) -> None:
        """Forget a document and its chunks."""
        with self._tx() as db:
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))

    def chunk_ids(self, doc_id: str | None = None) -> set[str]:
        """Chunk ids of one document, or of all."""
        if doc_id is None:
            rows = self._db.execute("SELECT chunk_id FROM chunks").fetchall()
        else:
            rows = self._db.execute("SELECT chunk_id FROM chunks WHERE doc_id=?", (doc_id,)).fetchall()
        return {r[0] for r in rows}

    def documents(self) -> list[dict[str, Any]]:
        """Metadata of every indexed document, with its chunk count."""
        rows = self._db.execute(
            "SELECT d.meta, d.ingested_at, COUNT(c.chunk_id) FROM documents d "
            "LEFT JOIN chunks c ON c.doc_id = d.doc_id GROUP BY d.doc_id ORDER BY d.doc_id"
        ).fetchall()
        return [{**json.loads(meta), "ingested_at": at, "chunks": n} for meta, at, n in rows]

    def all_chunks(self) -> list[tuple[Chunk, list[str], dict[str, Any]]]:
        """Every chunk with its terms and its document's metadata, in document order."""
        docs = {d["doc_id"]: d for d in self.documents()}
        rows = self._db.execute(
            "SELECT chunk_id, doc_id, position, heading, text, terms, meta FROM chunks ORDER BY doc_id, position"
        ).fetchall()
        out = []
        for chunk_id, doc_id, position, heading, text, terms, meta in rows:
            chunk = Chunk(
                chunk_id=chunk_id, doc_id=doc_id, position=position, heading=heading, text=text,
                metadata=json.loads(meta),
            )  # fmt: skip
            out.append((chunk, json.loads(terms), docs.get(doc_id, {})))
        return out

    def replace_cards(self, cards: list[tuple[Card, np.ndarray]]) -> None:
        """Replace every knowledge card (with the vectors of its questions) in one transaction."""
        with self._tx() as db:
            db.execute("DELETE FROM cards")
            db.executemany(
                "INSERT INTO cards (card_id, doc_id, data, vectors, dim) VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        c.card_id,
                        c.doc_id,
                        c.model_dump_json(),
                        np.asarray(v, dtype=np.float32).tobytes(),
                        v.shape[1],
                    )
                    for c, v in cards
                ],
            )

    def cards(self) -> list[tuple[Card, np.ndarray]]:
        """Every knowledge card with its question vectors, in id order."""
        rows = self._db.execute("SELECT data, vectors, dim FROM cards ORDER BY card_id").fetchall()
        return [
            (Card.model_validate_json(data), np.frombuffer(blob, dtype=np.float32).reshape(-1, dim))
            for data, blob, dim in rows
        ]

    def quarantined(self) -> list[dict[str, Any]]:
        """Documents kept out of the index, with the sentences that kept them out."""
        try:
            rows = self._db.execute(
                "SELECT path, doc_id, content_hash, findings, at FROM quarantine ORDER BY path"
            ).fetchall()
        except sqlite3.OperationalError:  # an index written before quarantine existed
            return []
        return [
            {"path": path, "doc_id": doc_id, "content_hash": digest, "findings": json.loads(found), "at": at}
            for path, doc_id, digest, found, at in rows
        ]

    def set_quarantine(self, entries: dict[str, dict[str, Any] | None]) -> None:
        """Record (or, with None, clear) the quarantine entry of each path."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._tx() as db:
            for path, entry in entries.items():
                db.execute("DELETE FROM quarantine WHERE path=?", (path,))
                if entry is not None:
                    db.execute(
                        "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)",
                        (path, entry["doc_id"], entry["content_hash"],
                         json.dumps(entry["findings"], ensure_ascii=False), now),
                    )  # fmt: skip

    def copy_to(self, target: Catalog) -> None:
        """Copy every row into `target` (SQLite's online backup: safe while others read this file)."""
        with target._lock:
            self._db.backup(target._db)
            target._db.executescript(_SCHEMA)  # an older source may lack newer tables
            target.version += 1

    def seal(self) -> None:
        """Fold the write-ahead log into the file so the generation is one self-contained file."""
        with self._lock:
            self._db.execute("PRAGMA journal_mode=DELETE")

    def close(self) -> None:
        """Close the database."""
        self._db.close()
