"""/docs (Swagger UI) and /redoc with their scripts served from the installed package, never from a CDN."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_ASSETS = "/docs-assets"
# fastapi-offline (MIT) ships Swagger UI (Apache-2.0) and ReDoc (MIT) bundles; we only serve its files.
ASSET_PACKAGE = "fastapi_offline"
# The validator badge would call validator.swagger.io; the page must stay on this machine.
SWAGGER_PARAMETERS = {"validatorUrl": None, "docExpansion": "list", "defaultModelsExpandDepth": 0}
# ReDoc's side menu always shows a logo from cdn.redoc.ly: the browser is told to load nothing from elsewhere.
# Inline scripts and styles are the pages' own; ReDoc's search runs in a blob: worker.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


def assets_dir() -> Path:
    """The folder holding swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js and favicon.png."""
    return Path(str(files(ASSET_PACKAGE) / "static"))


def install_docs(app: FastAPI) -> None:
    """Serve /docs, /redoc and their assets locally (create the app with docs_url=None, redoc_url=None)."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=assets_dir()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _local_only(get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}", title=f"{app.title} API（Swagger UI）",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png", swagger_ui_parameters=SWAGGER_PARAMETERS,
        ))  # fmt: skip

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _local_only(get_redoc_html(
            openapi_url=f"{root}{openapi_url}", title=f"{app.title} API（ReDoc）",
            redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png", with_google_fonts=False,
        ))  # fmt: skip


def _local_only(page: HTMLResponse) -> HTMLResponse:
    """The page with a policy that keeps every load on this server."""
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page
