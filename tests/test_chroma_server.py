"""Client/server mode: a real `chroma run` on 127.0.0.1, with ingest and search through KODOMO_CHROMA_URL's path."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kodomo_ai.index.catalog import Catalog
from kodomo_ai.index.knowledge_base import KnowledgeBase
from kodomo_ai.index.vectorstore import ChromaStore
from kodomo_ai.ingest.pipeline import ingest_paths
from kodomo_ai.retrieval import Retriever


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_url(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Start `chroma run` in tmp and yield its URL."""
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists() and not shutil.which("chroma"):
        pytest.skip("the chroma CLI is not installed")
    port = _free_port()
    server = subprocess.Popen(
        [str(exe if exe.exists() else "chroma"), "run", "--path", str(tmp_path / "chroma-server"),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("chroma run did not start listening within 60 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_ingest_and_search_against_a_chroma_server(
    chroma_url: str, tmp_path: Path, embedder, test_corpus: Path
) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore(None, "server-test", url=chroma_url)
    kb = KnowledgeBase(catalog=Catalog(tmp_path / "catalog.sqlite3"), store=store, embedder=embedder)
    report = ingest_paths(kb, [test_corpus])
    assert len(report.added) == 5 and not report.errors
    assert store.ids() == kb.catalog.chunk_ids()
    hits = Retriever(kb).search("児童手当はいつ振り込まれる？", k=3)
    assert hits[0].doc_id == "t-teate"
    again = ingest_paths(kb, [test_corpus])
    assert len(again.unchanged) == 5
