"""create_app(settings): the FastAPI service with its routers, limits and error handlers."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from kodomo_ai.api import (
    routes_admin,
    routes_calc,
    routes_consult,
    routes_conversations,
    routes_docs,
    routes_documents,
    routes_evals,
    routes_feedback,
    routes_flows,
    routes_gaps,
    routes_handoff,
    routes_health,
    routes_line,
    routes_openai,
)
from kodomo_ai.api.deps import DEFAULT_MAX_BODY_KB, AppState
from kodomo_ai.api.errors import ERROR_RESPONSES, BodyLimitMiddleware, install_error_handlers
from kodomo_ai.api.storage import Storage
from kodomo_ai.config import Settings

if TYPE_CHECKING:
    from kodomo_ai.index.knowledge_base import KnowledgeBase

log = logging.getLogger(__name__)
OPTIONAL_ROUTERS = ("kodomo_ai.api.routes_drafting",)
DESCRIPTION = """こども・子育て政策の相談API。保護者はキーなしで質問でき（接続元ごとに回数制限）、
自治体職員・研修担当・評価担当・管理者は `Authorization: Bearer <key>` または `X-API-Key` でキーを送ります。
エラーはすべて `{"error": {"code", "message", "field"?}}` の JSON です。"""


def create_app(settings: Settings, *, knowledge_base: KnowledgeBase | None = None,
               storage: Storage | None = None) -> FastAPI:  # fmt: skip
    """Build the API over `settings` (tests may pass an already-indexed knowledge base)."""
    # The default /docs and /redoc load their scripts from a CDN: routes_docs serves them from the package.
    app = FastAPI(title="kodomo-ai", version="0.1.0", description=DESCRIPTION, docs_url=None, redoc_url=None)
    routes_docs.install_docs(app)
    app.state.kodomo = AppState(settings, storage or Storage.from_settings(settings), knowledge_base)
    install_error_handlers(app)
    max_body = int(getattr(settings, "max_body_kb", None) or DEFAULT_MAX_BODY_KB) * 1024
    upload = int(settings.max_file_mb * 2**20) + 64 * 1024  # multipart framing on top of the file
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=max_body, upload_bytes=upload, upload_path="/v1/documents"
    )
    app.include_router(routes_health.router)
    for module in (routes_consult, routes_openai, routes_calc, routes_flows, routes_documents, routes_evals,
                   routes_admin, routes_conversations, routes_feedback):  # fmt: skip
        app.include_router(module.router, responses=ERROR_RESPONSES)
    app.include_router(routes_handoff.router, responses=ERROR_RESPONSES)  # hand-off: parents and the inbox
    app.include_router(routes_line.router, responses=ERROR_RESPONSES)  # LINE webhook
    app.include_router(routes_gaps.router, responses=ERROR_RESPONSES)  # knowledge-gap report and cards
    for name in OPTIONAL_ROUTERS:
        _include_optional(app, name)
    _mark_optional_auth(app)
    return app


# Parents call these without a key: the schema says so with an empty security requirement.
PUBLIC_OPERATIONS = {("post", "/v1/consult"), ("post", "/v1/search"), ("post", "/v1/feedback"),
                     ("post", "/v1/chat/completions"), ("get", "/v1/whoami"), ("post", "/v1/handoff"),
                     ("get", "/v1/handoff/mine/{number}")}  # fmt: skip


def _mark_optional_auth(app: FastAPI) -> None:
    """Publish the key as optional on the operations parents may call."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for path, methods in schema.get("paths", {}).items():
                for method, operation in methods.items():
                    if (method, path) in PUBLIC_OPERATIONS and operation.get("security"):
                        operation["security"] = [{}, *operation["security"]]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _include_optional(app: FastAPI, module_name: str) -> None:
    """Include a router that another part of the project may not have written yet."""
    try:
        module: Any = importlib.import_module(module_name)
    except ImportError as exc:
        log.info("optional router %s not available: %s", module_name, exc)
        return
    router = getattr(module, "router", None)
    if router is not None:
        app.include_router(router, responses=ERROR_RESPONSES)
