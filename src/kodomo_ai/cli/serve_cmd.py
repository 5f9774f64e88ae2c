"""`kodomo-ai serve`, `ui`, `keys` and `audit`: run the service and manage its keys and audit log."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import click

from kodomo_ai.config import PROJECT_ROOT, get_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="KODOMO_HOST", help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, envvar="KODOMO_PORT", help="Port.")
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Start the API (FastAPI + uvicorn); OpenAPI docs at /docs."""
    import uvicorn

    # uvicorn would believe X-Forwarded-For from 127.0.0.1; the app decides itself (KODOMO_TRUSTED_PROXIES).
    options = {"host": host, "port": port, "log_level": "info", "proxy_headers": False}
    if workers > 1:
        uvicorn.run("kodomo_ai.api.asgi:app", workers=workers, **options)  # type: ignore[arg-type]
        return
    from kodomo_ai.api import create_app

    uvicorn.run(create_app(get_settings()), **options)  # type: ignore[arg-type]


@click.command()
@click.option("--port", default=8501, show_default=True, type=int, help="Port of the web UI.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--api", "api_url", default=None, envvar="KODOMO_API_URL", help="API address (default KODOMO_API_URL)."
)
def ui(port: int, host: str, api_url: str | None) -> None:
    """Start the web UI (Streamlit), which talks to the API over HTTP."""
    app = PROJECT_ROOT / "ui" / "app.py"
    if not app.is_file():
        raise click.ClickException(f"UI が見つかりません: {app}")
    from kodomo_ai.api.auth import ui_secret

    settings = get_settings()
    # The UI signs each browser's id with the secret the API holds, so the API can limit per browser.
    env = {
        **os.environ,
        "KODOMO_API_URL": api_url or settings.api_url,
        "KODOMO_UI_SECRET": ui_secret(settings),
    }
    command = [
        sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port), "--server.address", host,
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    raise SystemExit(subprocess.call(command, env=env))


@click.group()
def keys() -> None:
    """Manage API keys (stored hashed; the secret is shown once)."""


@keys.command("create")
@click.option("--role", required=True, type=click.Choice(["caseworker", "trainer", "evaluator", "admin"]))
@click.option("--name", default="", help="A note on who holds the key.")
def create_key(role: str, name: str) -> None:
    """Create a key for ROLE and print its secret (store it now: it cannot be shown again)."""
    from kodomo_ai.api.storage import Storage

    row, secret = Storage.from_settings(get_settings()).create_key(role, name)
    click.echo(f"id: {row.id}  role: {row.role}", err=True)
    click.echo(secret)


@keys.command("list")
def list_keys() -> None:
    """List keys (id, role, name, created, revoked)."""
    from kodomo_ai.api.storage import Storage

    for row in Storage.from_settings(get_settings()).list_keys():
        state = "revoked" if row.revoked_at else "active"
        click.echo(f"{row.id}\t{row.role}\t{state}\t{row.created_at:%Y-%m-%d}\t{row.name}")


@keys.command("revoke")
@click.argument("key_id")
def revoke_key(key_id: str) -> None:
    """Revoke the key KEY_ID."""
    from kodomo_ai.api.storage import Storage

    if not Storage.from_settings(get_settings()).revoke_key(key_id):
        raise click.ClickException(f"キーが見つからないか、すでに無効です: {key_id}")
    click.echo(f"revoked {key_id}")


@click.group()
def audit() -> None:
    """Read the audit log."""


@audit.command("export")
@click.option(
    "--since", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="First day (YYYY-MM-DD)."
)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV file (default: standard output).")  # fmt: skip
def export(since: dt.datetime, out_path: Path | None) -> None:
    """Write audit entries from SINCE on as CSV (oldest first; inputs are already masked)."""
    from kodomo_ai.api.storage import AUDIT_COLUMNS, Storage, audit_csv_row

    start = since.replace(tzinfo=dt.UTC)
    rows = list(reversed(Storage.from_settings(get_settings()).audit_since(start)))
    handle = out_path.open("w", encoding="utf-8", newline="") if out_path else sys.stdout
    try:
        writer = csv.DictWriter(handle, fieldnames=list(AUDIT_COLUMNS))
        writer.writeheader()
        for entry in rows:
            # Cells that a spreadsheet would run as formulas (=, +, -, @ …) are quoted.
            writer.writerow(audit_csv_row(entry))
    finally:
        if out_path:
            handle.close()
    if out_path:
        click.echo(f"{len(rows)} 件を書き出しました: {out_path}", err=True)
