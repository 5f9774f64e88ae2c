"""Live servers for tests that talk HTTP: the API under uvicorn in a thread, the Streamlit UI, Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "ui"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SCREENSHOTS = ROOT / "docs" / "screenshots"


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
        time.sleep(0.2)
    raise TimeoutError(url)


@contextmanager
def serve_api(app: Any) -> Iterator[str]:
    """The FastAPI `app` served by uvicorn on a free port in a thread; yields its address."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/healthz")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def streamlit_ui(api_url: str) -> Iterator[str]:
    """The Streamlit app on a free port against `api_url`; yields its address."""
    port = free_port()
    env = {**os.environ, "KODOMO_API_URL": api_url}
    ui = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(UI / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--client.toolbarMode", "minimal"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/_stcore/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        ui.terminate()
        ui.wait(timeout=20)


def need_chromium() -> None:
    """Skip the test when Debian's chromium is missing."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian chromium is not installed (/usr/bin/chromium); `make system-deps` installs it as root"
        )


def keep_screenshots(shots: Path) -> None:
    """Copy a browser test's screenshots into docs/screenshots (each must show a real page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for shot in sorted(shots.glob("*.png")):
        assert shot.stat().st_size > 10000, shot
        shutil.copy(shot, SCREENSHOTS / shot.name)
