"""CLI: `revise MANUAL NEWER [--out DIR] [--engine NAME]`: propose manual revisions for a rule change."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kodomo_ai.config import get_settings
from kodomo_ai.errors import KodomoError


@click.command()
@click.argument("manual", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("newer", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Write revision.md, revision.docx and revision.json here (default: print Markdown).")  # fmt: skip
@click.option("--engine", envvar="KODOMO_ENGINE", default=None, help="extractive | openai | llamacpp.")
@click.option("--json", "as_json", is_flag=True, help="Print the proposal as JSON.")
def revise(manual: Path, newer: Path, out_dir: Path | None, engine: str | None, as_json: bool) -> None:
    """Propose revised passages of a MANUAL document for the rule change in a NEWER document."""
    from kodomo_ai.drafting.docx_out import markdown_to_docx
    from kodomo_ai.drafting.revision import propose_revisions
    from kodomo_ai.engines.registry import get_engine
    from kodomo_ai.ingest.loaders import load_file

    settings = get_settings()
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    try:
        manual_doc = load_file(manual, max_bytes=max_bytes)
        newer_doc = load_file(newer, max_bytes=max_bytes)
        chosen = get_engine(engine or settings.engine, settings)
        proposal = propose_revisions(manual_doc, newer_doc, engine=chosen, prompts_dir=settings.prompts_dir)
    except KodomoError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "revision.md").write_text(proposal.markdown(), encoding="utf-8")
        (out_dir / "revision.json").write_text(proposal.to_json() + "\n", encoding="utf-8")
        markdown_to_docx(proposal.markdown(for_docx=True), out_dir / "revision.docx")
    if as_json:
        click.echo(proposal.to_json())
    elif out_dir is None:
        click.echo(proposal.markdown(), nl=False)
    else:
        click.echo(f"{proposal.manual_title}: 改正案 {len(proposal.revisions)}件 (engine: {proposal.engine})")
        for name in ("revision.md", "revision.docx", "revision.json"):
            click.echo(f"{name}: {out_dir / name}")
    for note in proposal.notes:
        click.echo(f"note: {note}", err=True)
