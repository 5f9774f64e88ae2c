"""The Streamlit UI against a live API: page logic with AppTest, and the chat page in a real Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import MODELS, ROOT

UI = ROOT / "ui"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
QUESTION = "出生届はいつまでに出せばいいですか"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 90.0) -> None:
    """Wait until `url` answers 200."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory, corpus_kb: Any) -> Iterator[dict[str, Any]]:
    """The real API over the indexed corpus, served by uvicorn on a free port in a thread."""
    import uvicorn

    from kodomo_ai.api import create_app
    from kodomo_ai.config import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("ui-data"), models_path=MODELS)
    app = create_app(settings, knowledge_base=corpus_kb)
    keys = {
        role: app.state.kodomo.storage.create_key(role)[1] for role in ("caseworker", "evaluator", "admin")
    }
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/healthz")
    yield {"url": url, "keys": keys, "app": app}
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def ui_env(live_api: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """AppTest needs the UI folder importable and the API address in the environment."""
    monkeypatch.setenv("KODOMO_API_URL", live_api["url"])
    monkeypatch.syspath_prepend(str(UI))
    return live_api


def test_chat_page_answers_with_citations(ui_env: dict[str, Any]) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(UI / "pages" / "chat.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert any("出生届" in b.label for b in at.button)  # example questions to start with
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception, at.exception
    history = at.session_state["chat"]
    answer = history[-1]["answer"]
    assert answer["mode"] == "answer" and answer["citations"]
    assert "14日" in answer["answer"]
    assert any(e.label.startswith("[1]") for e in at.expander)
    assert at.session_state["conversation_id"]


def test_chat_page_escalation_banner(ui_env: dict[str, Any]) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(UI / "pages" / "chat.py"), default_timeout=120)
    at.run()
    at.chat_input[0].set_value("子どもが息をしていない、ぐったりしている").run()
    assert not at.exception
    assert at.error and "119" in at.error[0].value


def test_staff_pages_need_a_key_then_work(ui_env: dict[str, Any]) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(UI / "pages" / "caseworker.py"), default_timeout=120)
    at.run()
    assert at.info and "APIキー" in at.info[0].value
    at.session_state["api_key"] = ui_env["keys"]["caseworker"]
    at.run()
    assert not at.exception, at.exception
    at.button(key="run_calc").click().run()
    assert not at.exception
    assert any("結果" in h.value for h in at.subheader)
    admin = AppTest.from_file(str(UI / "pages" / "admin.py"), default_timeout=120)
    admin.session_state["api_key"] = ui_env["keys"]["admin"]
    admin.run()
    assert not admin.exception, admin.exception
    assert any("登録文書" in h.value for h in admin.subheader)
    wrong = AppTest.from_file(str(UI / "pages" / "admin.py"), default_timeout=120)
    wrong.session_state["api_key"] = ui_env["keys"]["caseworker"]
    wrong.run()
    assert wrong.error and "管理者" in wrong.error[0].value


def test_navigation_app_runs(ui_env: dict[str, Any]) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(UI / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert at.title and "相談" in at.title[0].value


@pytest.mark.browser
def test_chat_in_real_browser(live_api: dict[str, Any], tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium); `make test` installs it as root")
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "KODOMO_API_URL": live_api["url"]}
    ui = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(UI / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--client.toolbarMode", "minimal"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/_stcore/health")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1400}, locale="ja-JP")
            page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
            box = page.get_by_placeholder("質問を入力してください", exact=False)
            box.wait_for(timeout=60000)
            box.fill(QUESTION)
            box.press("Enter")
            page.get_by_text("出典", exact=True).wait_for(timeout=120000)
            summary = page.locator("details summary").first
            summary.wait_for(timeout=30000)
            assert "[1]" in summary.inner_text()
            summary.click()  # open the first citation: its quote is highlighted in the passage
            page.locator("mark").first.wait_for(state="visible", timeout=30000)
            page.wait_for_timeout(1500)  # let the expander finish opening before the screenshot
            body = page.inner_text("body")
            assert "14日" in body
            shot = tmp_path / "chat.png"
            page.screenshot(path=str(shot), full_page=True)
            browser.close()
        assert shot.stat().st_size > 10000
        docs = ROOT / "docs"
        docs.mkdir(exist_ok=True)
        shutil.copy(shot, docs / "screenshot-chat.png")
    finally:
        ui.terminate()
        ui.wait(timeout=20)
