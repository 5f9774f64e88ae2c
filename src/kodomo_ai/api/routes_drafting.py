"""Drafting and training: POST /v1/drafts (caseworker), POST /v1/training (trainer), with DOCX/PPTX as base64."""

from __future__ import annotations

import base64
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kodomo_ai.api.auth import Principal
from kodomo_ai.api.deps import Caseworker, StateDep, require
from kodomo_ai.api.records import audit_entry
from kodomo_ai.errors import InputError

router = APIRouter(tags=["drafting"])
Trainer = Annotated[Principal, require("trainer")]


class DraftRequest(BaseModel):
    """A notice to draft: its type and fields (personal fields are filled locally, never sent to an LLM)."""

    type: str = Field(examples=["riyou-horyu"])
    fields: dict[str, Any] = Field(default_factory=dict)
    engine: str | None = None


class TrainingRequest(BaseModel):
    """A training topic and audience."""

    topic: str = Field(examples=["suimin"])
    audience: Literal["new", "leader"] = "new"
    engine: str | None = None
    questions: int = Field(default=5, ge=1, le=10)


def _engine(state: Any, name: str | None) -> Any:
    from kodomo_ai.engines.registry import get_engine, names

    chosen = name or state.settings.engine
    if chosen not in names():
        # An unknown name is the caller's mistake (422), not an engine failure (502).
        raise InputError("engine", f"エンジン「{chosen}」はありません。使えるもの: {', '.join(names())}")
    return None if chosen == "extractive" else get_engine(chosen, state.settings)


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


@router.get("/v1/drafts/types")
def draft_types(principal: Caseworker) -> list[dict[str, Any]]:
    """The notice types with their fields (required ones marked)."""
    from kodomo_ai.drafting import NOTICE_TYPES, field_help

    return [field_help(kind) for kind in NOTICE_TYPES.values()]


@router.post("/v1/drafts")
def create_draft(request: DraftRequest, principal: Caseworker, state: StateDep) -> dict[str, Any]:
    """Draft a notice: Markdown (placeholders and filled), style findings, sources and the DOCX."""
    from kodomo_ai.drafting import draft_notice
    from kodomo_ai.retrieval import Retriever

    started = time.perf_counter()
    result = draft_notice(
        request.type, request.fields, retriever=Retriever(state.kb), engine=_engine(state, request.engine),
        prompts_dir=state.settings.prompts_dir, municipality=state.settings.municipality,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        # The notice to send (no citation markers) and the caseworker's source appendix.
        files = {name: {"filename": path.name, "base64": _b64(path)}
                 for name, path in result.write_docx(Path(tmp)).items()}  # fmt: skip
    latency = (time.perf_counter() - started) * 1000
    # The audit keeps the placeholder version only: real names stay out of the log.
    state.storage.record_audit(audit_entry(
        principal, "draft", input=result.kind, output=result.markdown,
        sources=sorted({s.doc_id for s in result.sources}), engine=result.engine, latency_ms=latency,
    ))  # fmt: skip
    body = result.as_dict()
    body["files"] = files
    body["latency_ms"] = round(latency, 1)
    return body


@router.get("/v1/training/topics")
def training_topics(principal: Trainer) -> list[dict[str, str]]:
    """The training topics (safety documents of the corpus)."""
    from kodomo_ai.training import TOPICS

    return [{"topic": t.doc_id, "title": t.title, "short": t.aliases[0]} for t in TOPICS.values()]


@router.post("/v1/training")
def create_training(request: TrainingRequest, principal: Trainer, state: StateDep) -> dict[str, Any]:
    """Build slides, handout, quiz and drills; Markdown inline, PPTX/DOCX as base64."""
    from kodomo_ai.retrieval import Retriever
    from kodomo_ai.training import build_training, write_training

    started = time.perf_counter()
    material = build_training(
        request.topic, retriever=Retriever(state.kb), audience=request.audience,
        engine=_engine(state, request.engine), prompts_dir=state.settings.prompts_dir,
        questions=request.questions,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        files = write_training(material, Path(tmp))
        markdown = {name.removesuffix("_md"): path.read_text(encoding="utf-8")
                    for name, path in files.items() if name.endswith("_md")}  # fmt: skip
        binaries = {name: {"filename": path.name, "base64": _b64(path)}
                    for name, path in files.items() if not name.endswith("_md")}  # fmt: skip
    latency = (time.perf_counter() - started) * 1000
    state.storage.record_audit(audit_entry(
        principal, "training", input=f"{material.topic.doc_id} {material.audience}", output=material.title,
        sources=[material.topic.doc_id], engine=material.engine, latency_ms=latency,
    ))  # fmt: skip
    return {**material.as_dict(), "markdown": markdown, "files": binaries, "latency_ms": round(latency, 1)}
