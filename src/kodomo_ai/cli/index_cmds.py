"""CLI: ingest, search, stats, chat."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from kodomo_ai.config import get_settings


def _settings(data_dir: Path | None) -> Any:
    settings = get_settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


data_dir_option = click.option(
    "--data-dir", type=click.Path(path_type=Path), envvar="KODOMO_DATA_DIR", default=None,
    help="Index and state folder (default ./.kodomo).",
)  # fmt: skip


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@data_dir_option
def ingest(paths: tuple[Path, ...], data_dir: Path | None) -> None:
    """Index files or folders (Markdown, text, HTML, PDF, DOCX); unchanged files are skipped.

    Each bad file gets one error line and the rest goes in; documents with instructions to the assistant or
    changed contact numbers are quarantined (listed with the sentence and why). Exit status 1 when any file
    failed or was quarantined.
    """
    from kodomo_ai.ingest.pipeline import ingest_paths
    from kodomo_ai.runtime import open_knowledge_base
    from kodomo_ai.safety.trust import open_document_trust

    settings = _settings(data_dir)
    report = ingest_paths(
        open_knowledge_base(settings), list(paths), max_bytes=int(settings.max_file_mb * 2**20),
        screen=open_document_trust(settings),
    )  # fmt: skip
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    for item in report.quarantined:
        for line in item.lines():
            click.echo(f"quarantined: {line}", err=True)
    click.echo(report.summary())
    if report.failed:
        click.echo(
            f"{report.failed} file(s) failed; the others were indexed (generation {report.generation})",
            err=True,
        )
        sys.exit(1)


def _filters(audience: str | None, doc_type: tuple[str, ...], municipality: str | None) -> Any:
    from kodomo_ai.retrieval import Filters

    return Filters(audience=audience, doc_types=doc_type or None, municipality=municipality)


@click.command()
@click.argument("query", required=False)
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100), help="Number of hits.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.option("--input", "input_file", type=click.File("rb"), help='JSONL lines {"id", "question"}.')
@click.option("--audience", type=click.Choice(["parent", "caseworker", "trainer"]), default=None)
@click.option("--doc-type", multiple=True, help="Restrict to a doc_type (repeatable).")
@click.option("--municipality", default=None, help="National documents plus this municipality's.")
@data_dir_option
def search(
    query: str | None, k: int, as_json: bool, input_file: Any, audience: str | None,
    doc_type: tuple[str, ...], municipality: str | None, data_dir: Path | None,
) -> None:  # fmt: skip
    """Search the index (hybrid: vectors + Sudachi BM25)."""
    from kodomo_ai.runtime import open_retriever

    if (query is None) == (input_file is None):
        raise click.UsageError("give either QUERY or --input FILE.jsonl")
    retriever = open_retriever(_settings(data_dir))
    filters = _filters(audience, doc_type, municipality)
    if input_file is not None:
        from kodomo_ai.cli import UserError
        from kodomo_ai.cli.batch import error_row, read_row

        bad = 0
        for number, raw in enumerate(input_file, 1):
            if not raw.strip():
                continue
            try:
                row = read_row(raw, number, "question")
            except UserError as exc:  # report the line in its own output row and go on
                bad += 1
                click.echo(json.dumps({**error_row(raw, number, str(exc)), "hits": []}, ensure_ascii=False))
                continue
            hits = retriever.search(row["question"], k=k, filters=filters)
            click.echo(
                json.dumps({"id": row.get("id"), "hits": [h.model_dump() for h in hits]}, ensure_ascii=False)
            )
        if bad:
            raise UserError(f"{bad} 行を処理できませんでした（出力の error を見てください）")
        return
    assert query is not None
    query = valid_query(query)
    hits = retriever.search(query, k=k, filters=filters)
    if as_json:
        click.echo(json.dumps([h.model_dump() for h in hits], ensure_ascii=False, indent=1))
        return
    for rank, hit in enumerate(hits, 1):
        click.echo(f"{rank}. [{hit.score:.4f}] {hit.title} › {hit.heading}  ({hit.doc_id})")
        click.echo(f"   {hit.text[:160]}")
        click.echo(f"   {hit.source}")


def valid_query(query: str) -> str:
    """The query, or a one-line error when the shell passed bytes that are not UTF-8."""
    from kodomo_ai.cli.batch import valid_text

    return valid_text(query, "QUERY")


@click.command()
@data_dir_option
def stats(data_dir: Path | None) -> None:
    """Show what is indexed."""
    from kodomo_ai.runtime import open_knowledge_base

    kb = open_knowledge_base(_settings(data_dir))
    docs = kb.catalog.documents()
    by_type: dict[str, int] = {}
    for doc in docs:
        by_type[doc["doc_type"]] = by_type.get(doc["doc_type"], 0) + 1
    click.echo(f"documents: {len(docs)}  chunks: {sum(d['chunks'] for d in docs)}")
    click.echo(f"embedding model: {kb.catalog.get_info('embedding_model')}")
    click.echo(f"generation: {kb.generation()}")
    quarantined = kb.catalog.quarantined()
    if quarantined:
        click.echo(f"quarantined: {len(quarantined)}")
        for entry in quarantined:
            for finding in entry["findings"]:
                click.echo(f"  {entry['path']}: 「{finding['sentence'][:80]}」 {finding['reason']}")
    for doc_type, count in sorted(by_type.items()):
        click.echo(f"  {doc_type}: {count}")
