"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from kodomo_ai.api.deps import StateDep
from kodomo_ai.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, response_model_exclude_none=True)
def healthz() -> Any:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Health,
    response_model_exclude_none=True,
    responses={503: {"model": Health, "description": "準備中"}},
)
def readyz(state: StateDep) -> Any:
    """Ready when the database answers and the current index generation answers a search."""
    checks: dict[str, str] = {}
    generation = None
    try:
        state.storage.ping()
        checks["database"] = "ok"
    except Exception as exc:  # report, don't raise: readiness is a status
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        snapshot = state.kb.snapshot()
        generation = snapshot.generation
        docs = len(snapshot.catalog.documents())
        if docs:
            # Ask the vectors too: a catalog without answering vectors cannot serve a consultation.
            vector = state.kb.embedder.embed_query("保育")
            hits = snapshot.store.query(vector, 1)
            known = snapshot.catalog.chunk_ids()
            if not hits or hits[0][0] not in known:
                raise RuntimeError("the vectors do not match the catalog")
            checks["index"] = f"ok ({docs} documents, generation {generation})"
        else:
            checks["index"] = "empty: run `kodomo-ai ingest corpus`"
        state.consultant()
        checks["engine"] = f"ok ({state.settings.engine})"
    except Exception as exc:
        checks.setdefault("index", f"error: {type(exc).__name__}: {exc}")
        checks.setdefault("engine", f"error: {type(exc).__name__}")
    ready = all(v.startswith("ok") for v in checks.values())
    body = {"status": "ready" if ready else "not_ready", "checks": checks, "generation": generation}
    if generation is None:
        body.pop("generation")
    return body if ready else JSONResponse(body, status_code=503)
