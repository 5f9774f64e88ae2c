"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from kodomo_ai.api.deps import StateDep
from kodomo_ai.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Any:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Health, responses={503: {"model": Health, "description": "準備中"}})
def readyz(state: StateDep) -> Any:
    """Ready when the database answers and the index holds documents (loads the model on first call)."""
    checks: dict[str, str] = {}
    try:
        state.storage.ping()
        checks["database"] = "ok"
    except Exception as exc:  # report, don't raise: readiness is a status
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        docs = len(state.kb.catalog.documents())
        checks["index"] = f"ok ({docs} documents)" if docs else "empty: run `kodomo-ai ingest corpus`"
        state.consultant()
        checks["engine"] = f"ok ({state.settings.engine})"
    except Exception as exc:
        checks.setdefault("index", f"error: {type(exc).__name__}: {exc}")
        checks["engine"] = f"error: {type(exc).__name__}"
    ready = all(v.startswith("ok") for v in checks.values())
    body = {"status": "ready" if ready else "not_ready", "checks": checks}
    return body if ready else JSONResponse(body, status_code=503)
