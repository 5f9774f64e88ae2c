"""Shared state of the app (settings, storage, knowledge base, consultants) and the request dependencies."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from kodomo_ai.api.admission import ConsultSlots, slot_count
from kodomo_ai.api.auth import (
    Principal,
    RateLimiter,
    authenticate,
    authorize,
    client_identity,
    trusted_networks,
    ui_secret,
)
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.storage import Storage
from kodomo_ai.config import Settings

if TYPE_CHECKING:
    from kodomo_ai.consult import Consultant
    from kodomo_ai.index.knowledge_base import KnowledgeBase
    from kodomo_ai.ingest.screen import DocumentScreen

DEFAULT_PARENT_RATE_PER_MINUTE = 30
DEFAULT_MAX_BODY_KB = 64


class AppState:
    """Long-lived objects of one app; the knowledge base and consultants load on first use."""

    def __init__(self, settings: Settings, storage: Storage, kb: KnowledgeBase | None = None) -> None:
        self.settings = settings
        self.storage = storage
        self._kb = kb
        self._consultants: dict[str, Consultant] = {}
        self._screen: DocumentScreen | None = None
        self._lock = threading.Lock()
        per_minute = getattr(settings, "parent_rate_per_minute", None) or DEFAULT_PARENT_RATE_PER_MINUTE
        # Buckets in the service database: every worker process takes from the same ones.
        self.limiter = RateLimiter(int(per_minute), storage)
        self.trusted_proxies = trusted_networks(getattr(settings, "trusted_proxies", None))
        self.ui_secret = ui_secret(settings)
        self.eval_threads: dict[str, threading.Thread] = {}
        self.consult_slots = ConsultSlots(
            slot_count(settings.max_concurrent_consults, settings.engine), settings.consult_queue_s
        )

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base (opened once)."""
        with self._lock:
            if self._kb is None:
                from kodomo_ai.runtime import open_knowledge_base

                self._kb = open_knowledge_base(self.settings)
            return self._kb

    def document_screen(self) -> DocumentScreen:
        """The document-trust screen uploads pass through (built once)."""
        with self._lock:
            if self._screen is None:
                from kodomo_ai.safety.trust import open_document_trust

                self._screen = open_document_trust(self.settings)
            return self._screen

    def consultant(self, engine: str | None = None) -> Consultant:
        """The consultation pipeline for `engine` (default: the settings' engine), built once."""
        name = engine or self.settings.engine
        kb = self.kb
        with self._lock:
            if name not in self._consultants:
                self._consultants[name] = build_consultant(self.settings, kb, name)
            return self._consultants[name]


def build_consultant(settings: Settings, kb: KnowledgeBase, engine: str) -> Consultant:
    """A Consultant over `kb` configured like Consultant.from_settings."""
    from kodomo_ai.consult import Consultant
    from kodomo_ai.consult.understand import load_splitter
    from kodomo_ai.engines.registry import get_engine
    from kodomo_ai.retrieval import Retriever
    from kodomo_ai.runtime import open_risk_assessor, open_scope_reader
    from kodomo_ai.safety.contacts import load_contacts

    contacts = load_contacts(settings.corpus_dir / "contacts" / "contacts.md")
    chosen = None if engine == "extractive" else get_engine(engine, settings)
    return Consultant(
        Retriever(kb), contacts, engine=chosen, municipality=settings.municipality, k=settings.top_k,
        assessor=open_risk_assessor(settings), scope=open_scope_reader(settings),
        splitter=load_splitter(settings.training_dir / "understand" / "compound.yaml"),
    )  # fmt: skip


def get_state(request: Request) -> AppState:
    """The app's state."""
    state: AppState = request.app.state.kodomo
    return state


_bearer = HTTPBearer(auto_error=False, description="APIキー（Authorization: Bearer <key>）")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="APIキー（X-API-Key ヘッダー）")
StateDep = Annotated[AppState, Depends(get_state)]


def client_address(request: Request) -> str:
    """The rate-limit bucket of parents: the browser the UI vouches for, else the (proxied) client address."""
    state: AppState = request.app.state.kodomo
    peer = request.client.host if request.client else "unknown"
    return client_identity(peer, request.headers, trusted=state.trusted_proxies, secret=state.ui_secret)


def current_principal(
    request: Request,
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """Authenticate the caller from the key headers (no key = parent)."""
    from kodomo_ai.api.auth import key_from_headers

    header = request.headers.get("authorization")
    from_bearer = bearer.credentials if bearer else key_from_headers(header, None)
    secret = api_key.strip() if api_key else from_bearer
    if api_key and from_bearer and from_bearer != secret:
        # Two different keys: refuse rather than guess which one the caller meant.
        raise ApiError(401, "invalid_key", "Authorization と X-API-Key に異なるキーが指定されています")
    principal = authenticate(state.storage, secret, client_address(request))
    request.state.principal = principal
    return principal


def public_principal(
    principal: Annotated[Principal, Depends(current_principal)], state: StateDep
) -> Principal:
    """Any caller; parents are rate-limited per client."""
    if principal.key_id is None:
        state.limiter.check(principal.client)
    return principal


def require(*roles: str) -> Any:
    """A dependency allowing only `roles` (admin is always allowed)."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        return authorize(principal, roles)

    dependency.__doc__ = f"Allow roles: {', '.join(roles)} (and admin)."
    return Depends(dependency)


PublicCaller = Annotated[Principal, Depends(public_principal)]
Caseworker = Annotated[Principal, require("caseworker")]
Staff = Annotated[Principal, require("caseworker", "trainer", "evaluator")]
Evaluator = Annotated[Principal, require("evaluator")]
Admin = Annotated[Principal, require("admin")]
