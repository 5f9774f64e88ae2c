"""CLI: ask (single or batch, JSON contract) and chat, both through consult()."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from kodomo_ai.cli import UserError
from kodomo_ai.cli.batch import check_engine, error_row, read_row, valid_text
from kodomo_ai.cli.index_cmds import _settings, data_dir_option
from kodomo_ai.errors import KodomoError
from kodomo_ai.safety.pii import mask

AUDIENCES = click.Choice(["parent", "caseworker", "trainer"])


def _show(answer: Any) -> None:
    click.echo(f"[{answer.mode}] {answer.answer}")
    if answer.escalation:
        for contact in answer.escalation.contacts:
            click.echo(f"  ☎ {contact.name}: {contact.number or contact.note}")
    for n, cite in enumerate(answer.citations, 1):
        click.echo(f"  [{n}] {cite.title}（{cite.source}）")


@click.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="JSON output (the ask contract).")
@click.option(
    "--input", "input_file", type=click.File("rb"), help='JSONL lines {"id", "question", "audience"?}.'
)
@click.option("--audience", type=AUDIENCES, default="parent", show_default=True)
@click.option(
    "--engine", default=None, envvar="KODOMO_ENGINE", help="extractive (default), openai, llamacpp."
)
@click.option("--plain", is_flag=True, help="やさしい日本語で答える.")
@data_dir_option
def ask(
    question: str | None, as_json: bool, input_file: Any, audience: str, engine: str | None, plain: bool,
    data_dir: Path | None,
) -> None:  # fmt: skip
    """Ask a question; answers are cited, emergencies are routed to 119 / #8000 / 189."""
    from kodomo_ai.consult import Consultant

    if (question is None) == (input_file is None):
        raise click.UsageError("give either QUESTION or --input FILE.jsonl")
    if question is not None:
        question = valid_text(question, "QUESTION")
    settings = _settings(data_dir)
    check_engine(engine or settings.engine)
    consultant = Consultant.from_settings(settings, engine=engine)
    public = consultant.contacts.numbers()
    if input_file is None:
        assert question is not None
        try:
            answer = consultant.ask(question, audience=audience, plain=plain)
        except KodomoError as exc:
            raise UserError(str(exc)) from exc
        if as_json:
            # The question is echoed masked, like everything else that leaves the pipeline.
            out = {**answer.model_dump(mode="json"), "question": mask(question, public_numbers=public).text}
            click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        else:
            _show(answer)
        return
    bad = 0
    for number, raw in enumerate(input_file, 1):
        if not raw.strip():
            continue
        try:
            row = read_row(raw, number, "question")
            row_audience = row.get("audience", audience)
            if row_audience not in AUDIENCES.choices:
                raise UserError(f"line {number}: audience must be one of {', '.join(AUDIENCES.choices)}")
            answer = consultant.ask(row["question"], audience=row_audience, plain=plain, qid=row.get("id"))
            out = {
                **answer.model_dump(mode="json"),
                "question": mask(row["question"], public_numbers=public).text,
            }
        except (UserError, KodomoError) as exc:
            bad += 1
            out = error_row(raw, number, str(exc), public)
        click.echo(json.dumps(out, ensure_ascii=False))
    if bad:
        raise UserError(f"{bad} 行を処理できませんでした（出力の error を見てください）")


@click.command()
@click.option("--audience", type=AUDIENCES, default="parent")
@click.option("--engine", default=None, envvar="KODOMO_ENGINE", help="Answer engine (default extractive).")
@data_dir_option
def chat(audience: str, engine: str | None, data_dir: Path | None) -> None:
    """Interactive consultation in the terminal (empty line or Ctrl-D to quit)."""
    from kodomo_ai.consult import Consultant

    settings = _settings(data_dir)
    check_engine(engine or settings.engine)
    consultant = Consultant.from_settings(settings, engine=engine)
    history: list[dict[str, str]] = []
    click.echo("kodomo-ai 相談（空行で終了）")
    while True:
        try:
            question = input("\n質問> ").strip()
        except EOFError:
            break
        if not question:
            break
        answer = consultant.ask(question, audience=audience, history=history)
        click.echo("")
        _show(answer)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}]
