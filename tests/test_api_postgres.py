"""Storage and the API on a real PostgreSQL server started for this test (skipped without the binaries)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import MODELS

pytestmark = pytest.mark.slow


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the `postgres` user when we are root."""
    if os.getuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root without runuser; cannot start PostgreSQL as another user")
    return [runuser, "-u", "postgres", "--", *command]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on a free port; yields its URL."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin); `make test` installs them as root"
        )
    from test_ui import free_port

    root = Path(tempfile.mkdtemp(prefix="kodomo-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.getuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "kodomo", "--auth=trust",
                                 "-E", "UTF8", "--locale=C"]), check=True, capture_output=True)  # fmt: skip
    options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
                                 str(root / "log"), "start"]), check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql://kodomo@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def test_storage_on_postgres(postgres_url: str) -> None:
    import datetime as dt

    from kodomo_ai.api.auth import Principal
    from kodomo_ai.api.records import audit_entry
    from kodomo_ai.api.storage import Storage

    storage = Storage(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    row, secret = storage.create_key("caseworker", "pg")
    assert storage.find_key(secret).id == row.id  # type: ignore[union-attr]
    storage.record_audit(audit_entry(Principal("caseworker", row.id), "test", input="山田太郎さんの件"))
    entries = storage.audit_since(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert entries[0].key_id == row.id and "山田太郎" not in entries[0].input
    assert storage.revoke_key(row.id) and storage.find_key(secret) is None
    storage.close()


def test_api_on_postgres(postgres_url: str, tmp_path: Path, corpus_kb: Any) -> None:
    from fastapi.testclient import TestClient

    from kodomo_ai.api import create_app
    from kodomo_ai.config import Settings

    settings = Settings(data_dir=tmp_path, models_path=MODELS, database_url=postgres_url)
    app = create_app(settings, knowledge_base=corpus_kb)
    assert app.state.kodomo.storage.engine.dialect.name == "postgresql"
    client = TestClient(app)
    answer = client.post("/v1/consult", json={"question": "出生届はいつまでに出せばいいですか"}).json()
    assert answer["citations"]
    assert (
        client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "up"}).status_code
        == 201
    )
    assert app.state.kodomo.storage.turn(answer["answer_id"]).mode == "answer"  # type: ignore[union-attr]
    assert client.get("/readyz").json()["checks"]["database"] == "ok"
