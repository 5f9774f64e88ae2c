"""A temporary index holding the corpus plus planted documents (injected instructions, personal data).

Cases that test what happens when a hostile or careless document is ingested run against it, so the
real index is never touched.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
from pathlib import Path

from kodomo_ai.config import Settings

log = logging.getLogger(__name__)


def planted_settings(settings: Settings, documents: list[Path], *, data_dir: Path | None = None) -> Settings:
    """Copy the index (or index the corpus) into a fresh data dir, add `documents`, and return its settings."""
    from kodomo_ai.ingest.pipeline import ingest_paths
    from kodomo_ai.runtime import open_knowledge_base
    from kodomo_ai.safety.trust import open_document_trust

    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="kodomo-eval-"))
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Reuse the converted embedding model instead of converting it again into the temporary folder.
    local = settings.model_copy(
        update={"data_dir": data_dir, "models_path": settings.models_dir, "chroma_url": None}
    )
    # Start from a copy of the local index when there is one, so only the planted documents are embedded;
    # otherwise index the corpus as well.
    sources = [*documents]
    if settings.chroma_url is None and settings.index_dir.exists():
        if not local.index_dir.exists():
            shutil.copytree(settings.index_dir, local.index_dir)
    else:
        sources.insert(0, settings.corpus_dir)
    kb = open_knowledge_base(local)
    # Planted documents go through the same trust screen as any ingest: what it quarantines is never indexed.
    report = ingest_paths(
        kb, sources, max_bytes=int(settings.max_file_mb * 2**20), screen=open_document_trust(settings)
    )
    for error in report.errors:
        log.warning("planted index: %s", error)
    for item in report.quarantined:
        for line in item.lines():
            log.info("planted index quarantined: %s", line)
    log.info("planted index at %s: %s", data_dir, report.summary())
    return local
