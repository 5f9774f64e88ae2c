"""Index generations: readers use an immutable snapshot; an ingest builds the next one and swaps a pointer.

Layout under the index folder::

    CURRENT                  {"generation": id, "previous": id}, replaced atomically (os.replace)
    writer.lock              flock: one writer (ingest, upload, retire) at a time, across processes
    generations/<id>/        catalog.sqlite3 (+ chroma/ when Chroma is embedded) and `lease`
    catalog.sqlite3, chroma/ the single mutable index of older versions, read as generation "legacy"

With a Chroma server the vectors of generation <id> live in the collection "<collection>-<id>".
Every process holding a generation open keeps a shared flock on its `lease`; a generation other than the
current and the previous one is deleted once nobody holds its lease.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from kodomo_ai.index.catalog import Catalog
from kodomo_ai.index.vectorstore import ChromaStore, EmptyStore, VectorStore

log = logging.getLogger(__name__)

POINTER = "CURRENT"
LEGACY = "legacy"
EMPTY = "empty"
_COPY_BATCH = 1000


@dataclass
class IndexSnapshot:
    """One generation of the index: its catalog and vectors, opened together."""

    generation: str
    catalog: Catalog
    store: VectorStore
    lease: IO[str] | None = field(default=None, repr=False)

    def close(self) -> None:
        """Close the catalog and the store and release the lease."""
        with contextlib.suppress(Exception):
            self.store.close()
        with contextlib.suppress(Exception):
            self.catalog.close()
        if self.lease is not None:
            self.lease.close()  # closing the file drops its flock
            self.lease = None


def _lock(path: Path, mode: int) -> IO[str] | None:
    """Open `path` and flock it; None when a non-blocking lock is refused."""
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), mode)
    except BlockingIOError:
        handle.close()
        return None
    return handle


class Generations:
    """Opens, builds, publishes and collects the generations of one index folder."""

    def __init__(self, index_dir: Path, collection: str, *, chroma_url: str | None = None) -> None:
        self.index_dir = index_dir
        self.collection = collection
        self.chroma_url = chroma_url
        self.root = index_dir / "generations"
        self.pointer_path = index_dir / POINTER

    # --- reading -------------------------------------------------------------------------------------
    def stamp(self) -> tuple[int, int, int] | None:
        """A cheap fingerprint of the pointer file (checked on every request)."""
        try:
            st = os.stat(self.pointer_path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def pointer(self) -> dict[str, str]:
        """The published pointer: {"generation", "previous"} (empty when nothing was published)."""
        try:
            data = json.loads(self.pointer_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {k: str(v) for k, v in data.items() if v}

    def current(self) -> str:
        """The generation readers should use now."""
        published = self.pointer().get("generation")
        if published:
            return published
        return LEGACY if (self.index_dir / "catalog.sqlite3").exists() else EMPTY

    def _store(self, generation: str) -> VectorStore:
        if generation == EMPTY:
            return EmptyStore()
        if self.chroma_url:
            name = self.collection if generation == LEGACY else f"{self.collection}-{generation}"
            return ChromaStore(None, name, url=self.chroma_url)
        folder = self.index_dir if generation == LEGACY else self.root / generation
        return ChromaStore(folder / "chroma", self.collection)

    def _lease_path(self, generation: str) -> Path:
        if generation == LEGACY:
            return self.index_dir / "legacy.lease"
        return self.root / generation / "lease"

    def open(self, generation: str) -> IndexSnapshot:
        """Open a published generation for reading (holding its lease so it is not collected)."""
        if generation == EMPTY:
            return IndexSnapshot(EMPTY, Catalog(Path(":memory:")), EmptyStore())
        lease = _lock(self._lease_path(generation), fcntl.LOCK_SH)
        try:
            if generation == LEGACY:
                catalog = Catalog(self.index_dir / "catalog.sqlite3")
            else:
                catalog = Catalog(self.root / generation / "catalog.sqlite3", read_only=True)
            return IndexSnapshot(generation, catalog, self._store(generation), lease)
        except BaseException:
            if lease is not None:
                lease.close()
            raise

    # --- writing -------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock (blocks while another process or thread builds a generation)."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        handle = _lock(self.index_dir / "writer.lock", fcntl.LOCK_EX)
        try:
            yield
        finally:
            if handle is not None:
                handle.close()

    def create(self, base: IndexSnapshot | None) -> IndexSnapshot:
        """A new, unpublished generation: a copy of `base` (or empty when None). Call under `writing()`."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        generation = f"g{stamp}-{uuid.uuid4().hex[:8]}"
        folder = self.root / generation
        folder.mkdir(parents=True)
        lease = _lock(folder / "lease", fcntl.LOCK_SH)
        draft = IndexSnapshot(generation, Catalog(folder / "catalog.sqlite3"), self._store(generation), lease)
        try:
            if base is not None and base.generation != EMPTY:
                _copy(base, draft)
        except BaseException:
            self.discard(draft)
            raise
        return draft

    def publish(self, draft: IndexSnapshot, previous: str) -> None:
        """Seal the draft and point readers at it (one atomic rename)."""
        draft.catalog.seal()
        draft.close()
        tmp = self.index_dir / f".{POINTER}.{uuid.uuid4().hex[:8]}"
        tmp.write_text(json.dumps({"generation": draft.generation, "previous": previous}), encoding="utf-8")
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, self.pointer_path)
        log.info("index generation %s published (previous %s)", draft.generation, previous)

    def discard(self, draft: IndexSnapshot) -> None:
        """Throw away an unpublished generation."""
        with contextlib.suppress(Exception):
            draft.store.drop()
        draft.close()
        shutil.rmtree(self.root / draft.generation, ignore_errors=True)

    def collect(self) -> list[str]:
        """Delete generations other than the current and previous one that no process holds; call under `writing()`."""
        pointer = self.pointer()
        keep = {pointer.get("generation"), pointer.get("previous")}
        candidates = sorted(p.name for p in self.root.iterdir() if p.is_dir()) if self.root.exists() else []
        if pointer and (self.index_dir / "catalog.sqlite3").exists():
            candidates.append(LEGACY)
        removed = []
        for generation in candidates:
            if generation in keep:
                continue
            handle = _lock(self._lease_path(generation), fcntl.LOCK_EX | fcntl.LOCK_NB)
            if handle is None:
                continue  # a reader still uses it: the next collection tries again
            try:
                self._delete(generation)
                removed.append(generation)
            finally:
                handle.close()
        if removed:
            log.info("index generations removed: %s", ", ".join(removed))
        return removed

    def _delete(self, generation: str) -> None:
        if self.chroma_url:
            store = self._store(generation)
            store.drop()
            store.close()
        if generation == LEGACY:
            for name in ("catalog.sqlite3", "catalog.sqlite3-wal", "catalog.sqlite3-shm", "legacy.lease"):
                (self.index_dir / name).unlink(missing_ok=True)
            shutil.rmtree(self.index_dir / "chroma", ignore_errors=True)
        else:
            shutil.rmtree(self.root / generation, ignore_errors=True)

    def try_collect(self) -> None:
        """Collect now if no writer is busy (readers call this after letting go of a generation)."""
        if not self.root.exists():
            return
        handle = _lock(self.index_dir / "writer.lock", fcntl.LOCK_EX | fcntl.LOCK_NB)
        if handle is None:
            return
        try:
            self.collect()
        except OSError as exc:  # collection is housekeeping: never fail a request for it
            log.warning("could not collect old index generations: %s", exc)
        finally:
            handle.close()


def _copy(base: IndexSnapshot, draft: IndexSnapshot) -> None:
    """Copy the catalog rows and the vectors of `base` into the new generation."""
    base.catalog.copy_to(draft.catalog)
    ids = sorted(base.catalog.chunk_ids())
    missing = 0
    for start in range(0, len(ids), _COPY_BATCH):
        wanted = ids[start : start + _COPY_BATCH]
        got_ids, vectors, metadatas = base.store.get(wanted)
        missing += len(wanted) - len(got_ids)
        if got_ids:
            draft.store.add(got_ids, vectors, metadatas)
    if missing:
        log.warning("%d chunks had no vector in generation %s", missing, base.generation)


class SnapshotCache:
    """A process's view of the current generation: the pointer is checked on every call (one stat)."""

    def __init__(self, generations: Generations) -> None:
        self.generations = generations
        self._open: list[IndexSnapshot] = []
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    def get(self) -> IndexSnapshot:
        """The current snapshot, switching (and releasing older ones) when the pointer moved."""
        stamp = self.generations.stamp()
        if self._open and stamp == self._stamp:
            return self._open[-1]
        released = False
        with self._lock:
            wanted = self.generations.current()
            if not self._open or self._open[-1].generation != wanted:
                self._open.append(self.generations.open(wanted))
                # The previous snapshot stays open for requests still using it; older ones are closed.
                while len(self._open) > 2:
                    self._open.pop(0).close()
                    released = True
            self._stamp = stamp
            current = self._open[-1]
        if released:
            self.generations.try_collect()
        return current

    def close(self) -> None:
        """Close every open snapshot."""
        with self._lock:
            while self._open:
                self._open.pop().close()
            self._stamp = None
