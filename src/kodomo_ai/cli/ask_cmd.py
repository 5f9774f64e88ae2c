"""CLI: ask (single or batch, JSON contract) and chat, both through consult()."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from kodomo_ai.cli.index_cmds import _settings, data_dir_option
from kodomo_ai.errors import KodomoError

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
    "--input",
    "input_file",
    type=click.File("r", encoding="utf-8"),
    help='JSONL lines {"id", "question", "audience"?}.',
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
    consultant = Consultant.from_settings(_settings(data_dir), engine=engine)
    if input_file is None:
        assert question is not None
        try:
            answer = consultant.ask(question, audience=audience, plain=plain)
        except KodomoError as exc:
            raise click.ClickException(str(exc)) from exc
        if as_json:
            click.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=1))
        else:
            _show(answer)
        return
    for number, line in enumerate(input_file, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            answer = consultant.ask(
                row["question"], audience=row.get("audience", audience), plain=plain, qid=row.get("id")
            )
            out = answer.model_dump(mode="json")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise click.ClickException(f'line {number}: expected {{"id", "question"}} ({exc})') from exc
        except KodomoError as exc:
            out = {"id": row.get("id"), "question": row.get("question"), "error": str(exc)}
        click.echo(json.dumps(out, ensure_ascii=False))


@click.command()
@click.option("--audience", type=AUDIENCES, default="parent")
@click.option("--engine", default=None, envvar="KODOMO_ENGINE", help="Answer engine (default extractive).")
@data_dir_option
def chat(audience: str, engine: str | None, data_dir: Path | None) -> None:
    """Interactive consultation in the terminal (empty line or Ctrl-D to quit)."""
    from kodomo_ai.consult import Consultant

    consultant = Consultant.from_settings(_settings(data_dir), engine=engine)
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
