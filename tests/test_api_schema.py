"""schemathesis against the published OpenAPI schema: no server errors, responses match the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from conftest import MODELS
from hypothesis import HealthCheck, given, settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def admin_key(api_app: Any) -> str:
    """An admin key, so every endpoint is reachable."""
    return str(api_app.state.kodomo.storage.create_key("admin", "schemathesis")[1])


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory, corpus_kb: Any) -> Any:
    """The app over the indexed corpus with a generous parent rate limit."""
    from kodomo_ai.api import create_app
    from kodomo_ai.api.auth import RateLimiter
    from kodomo_ai.config import Settings

    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("schema-data"), models_path=MODELS),
                     knowledge_base=corpus_kb)  # fmt: skip
    app.state.kodomo.limiter = RateLimiter(100000)
    return app


# Operations that start background work or change the shared index are covered in test_api.py.
# The LINE webhook only answers bodies signed with the channel secret: covered against a fake LINE server in test_line.py.
SKIPPED = {
    ("POST", "/v1/evals/runs"), ("POST", "/v1/documents"), ("DELETE", "/v1/documents/{doc_id}"),
    ("POST", "/v1/line/webhook"),
}  # fmt: skip


def test_api_conforms_to_schema(api_app: Any, admin_key: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    failures: list[str] = []
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        # /v1/drafts and /v1/training belong to the drafting feature, which has its own tests.
        if (operation.method.upper(), operation.path) in SKIPPED or operation.path in (
            "/v1/drafts",
            "/v1/training",
        ):
            continue
        tested += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            # Schema-valid input can still be refused on meaning (a blank question, a last turn not from
            # the user), with a documented 422: that check is left out; every other default check runs.
            case.call_and_validate(
                headers={"X-API-Key": admin_key},
                excluded_checks=[schemathesis.checks.positive_data_acceptance],
            )

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert tested >= 15
    assert not failures, "\n\n".join(failures)


def test_docs_pages_load_only_local_assets(tmp_path: Any) -> None:
    """/docs and /redoc reference nothing off this server, and every asset they name is served."""
    import re

    from fastapi.testclient import TestClient

    from kodomo_ai.api import create_app
    from kodomo_ai.config import Settings

    client = TestClient(create_app(Settings(data_dir=tmp_path, models_path=MODELS)))
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200 and "text/html" in html.headers["content-type"]
        refs = re.findall(r"""(?:src|href|spec-url)=["']([^"']+)["']|\burl:\s*["']([^"']+)["']""", html.text)
        urls = [a or b for a, b in refs]
        assert len(urls) >= 2, html.text
        assert "//" not in "".join(urls), f"{page} loads from another host: {urls}"
        for url in urls:
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 1000, url
    assert '"validatorUrl": null' in client.get("/docs").text  # no badge fetched from swagger.io
    assert "img-src 'self' data:" in client.get("/redoc").headers["content-security-policy"]


@pytest.mark.browser
def test_docs_pages_render_offline_in_a_browser(tmp_path: Any) -> None:
    """Chromium with every request off 127.0.0.1 blocked renders both documentation pages in full."""
    import socket
    import threading
    import time
    from pathlib import Path
    from urllib.parse import urlsplit

    import uvicorn

    from kodomo_ai.api import create_app
    from kodomo_ai.config import Settings

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip(
            "Debian chromium is not installed (/usr/bin/chromium); `make system-deps` installs it as root"
        )
    from playwright.sync_api import Route, sync_playwright

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    app = create_app(Settings(data_dir=tmp_path, models_path=MODELS))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.05)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    blocked: list[str] = []
    failed: list[str] = []
    refused: list[str] = []  # what the pages' Content-Security-Policy kept from loading

    def only_loopback(route: Route) -> None:
        if (
            route.request.url.startswith(("data:", "blob:"))
            or urlsplit(route.request.url).hostname == "127.0.0.1"
        ):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox"])
            context = browser.new_context()
            context.route("**/*", only_loopback)
            page = context.new_page()
            page.on("requestfailed", lambda r: (refused if r.failure == "csp" else failed).append(r.url))
            page.on("response", lambda r: failed.append(f"{r.url} {r.status}") if r.status >= 400 else None)
            page.goto(base + "/docs")
            page.locator(".swagger-ui .info .title").filter(has_text="kodomo-ai").wait_for(timeout=60000)
            page.locator(".opblock-summary-path").filter(has_text="/v1/chat/completions").first.wait_for()
            page.goto(base + "/redoc")
            page.locator("h1").filter(has_text="kodomo-ai").wait_for(timeout=60000)
            page.get_by_text("/v1/chat/completions").first.wait_for()
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    assert not blocked, blocked
    assert not failed, failed
    assert all(urlsplit(url).hostname == "cdn.redoc.ly" for url in refused), refused  # ReDoc's logo only
