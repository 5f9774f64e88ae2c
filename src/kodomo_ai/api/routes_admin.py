"""Admin endpoints (keys, audit log) and who-am-I."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from kodomo_ai.api.auth import Principal
from kodomo_ai.api.deps import Admin, StateDep, current_principal
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.records import audit_entry
from kodomo_ai.api.schemas import AuditOut, KeyCreate, KeyOut, WhoAmI
from kodomo_ai.api.storage import ApiKey, audit_row

router = APIRouter(tags=["admin"])


def key_out(row: ApiKey, secret: str | None = None) -> dict[str, Any]:
    """An ApiKey row as KeyOut."""
    return {"id": row.id, "role": row.role, "name": row.name,
            "created_at": row.created_at.isoformat() if row.created_at else "",
            "revoked": row.revoked_at is not None, "key": secret}  # fmt: skip


@router.get("/v1/whoami", response_model=WhoAmI)
def whoami(principal: Annotated[Principal, Depends(current_principal)]) -> Any:
    """The caller's role."""
    return {"role": principal.role, "key_id": principal.key_id}


@router.get("/v1/keys", response_model=list[KeyOut])
def list_keys(principal: Admin, state: StateDep) -> Any:
    """All keys (never their secrets)."""
    return [key_out(r) for r in state.storage.list_keys()]


@router.post("/v1/keys", response_model=KeyOut, status_code=201)
def create_key(body: KeyCreate, principal: Admin, state: StateDep) -> Any:
    """Create a key; its secret is in this response only."""
    row, secret = state.storage.create_key(body.role, body.name)
    state.storage.record_audit(
        audit_entry(principal, "keys:create", input=f"{row.id} {body.role} {body.name}")
    )
    return key_out(row, secret)


@router.delete("/v1/keys/{key_id}", response_model=KeyOut)
def revoke_key(principal: Admin, state: StateDep, key_id: str = Path(max_length=40)) -> Any:
    """Revoke a key."""
    if not state.storage.revoke_key(key_id):
        raise ApiError(404, "not_found", "指定されたキーが見つからないか、すでに無効です", "key_id")
    state.storage.record_audit(audit_entry(principal, "keys:revoke", input=key_id))
    row = next(r for r in state.storage.list_keys() if r.id == key_id)
    return key_out(row)


@router.get("/v1/audit", response_model=list[AuditOut])
def audit_log(
    principal: Admin,
    state: StateDep,
    since: dt.date | None = None,
    limit: int = Query(default=200, ge=1, le=5000),
) -> Any:
    """Audit entries (newest first), from `since` (a date) on."""
    start = dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC) if since else None
    return [audit_row(e) for e in state.storage.audit_since(start, limit)]
