"""`kodomo-ai flows`: list, show, check and build the standard business processes (業務フロー)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kodomo_ai.config import get_settings
from kodomo_ai.flows import (
    FlowError,
    FlowNotFoundError,
    build_documents,
    flow_names,
    load,
    render_document,
    to_mermaid,
    to_text,
    validate_flow,
)
from kodomo_ai.flows.document import document_path

FLOWS_DIR_OPTION = click.option(
    "--flows-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="業務フローの YAML があるフォルダ（既定: コーパスの flows/）",
)


def _flows_dir(value: Path | None) -> Path:
    """Return the flows folder: the option, else corpus_dir/flows from the settings."""
    return value if value is not None else get_settings().corpus_dir / "flows"


@click.group("flows")
def flows() -> None:
    """標準的な業務フロー（みどり市の例示モデル）の一覧・表示・検証・文書生成."""


@flows.command("list")
@FLOWS_DIR_OPTION
def list_flows(flows_dir: Path | None) -> None:
    """業務フローの名前と題名を一覧にする."""
    folder = _flows_dir(flows_dir)
    for name in flow_names(folder):
        try:
            flow = load(name, folder, validate=False)
        except FlowError as exc:
            click.echo(f"{name}\t（読めません: {exc}）")
            continue
        click.echo(f"{name}\t{flow.title}\t{len(flow.steps)}手順")


@flows.command("show")
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "mermaid", "json", "markdown"]),
    default="text",
    show_default=True,
    help="出力の形式",
)
@FLOWS_DIR_OPTION
def show(name: str, fmt: str, flows_dir: Path | None) -> None:
    """業務フロー NAME を表示する（text / mermaid / json / markdown）."""
    folder = _flows_dir(flows_dir)
    try:
        flow = load(name, folder, validate=False)
    except FlowNotFoundError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from exc
    except FlowError as exc:
        raise click.ClickException(str(exc)) from exc
    issues = validate_flow(flow)
    # A broken flow is still shown, so its diagram can help find the problem; the issues go to stderr.
    for issue in issues:
        click.echo(f"警告: {issue}", err=True)
    if fmt == "mermaid":
        click.echo(to_mermaid(flow), nl=False)
    elif fmt == "json":
        click.echo(json.dumps(flow.model_dump(mode="json"), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        if issues:
            raise click.ClickException("問題のあるフローからは文書を作れません")
        click.echo(render_document(flow), nl=False)
    else:
        click.echo(to_text(flow), nl=False)


@flows.command("check")
@FLOWS_DIR_OPTION
def check(flows_dir: Path | None) -> None:
    """すべての業務フローを検証し、説明文書が最新かも確かめる（問題があれば終了コード1）."""
    folder = _flows_dir(flows_dir)
    names = flow_names(folder)
    problems = 0
    for name in names:
        try:
            flow = load(name, folder, validate=False)
        except FlowError as exc:
            click.echo(f"NG {exc}", err=True)
            problems += 1
            continue
        issues = validate_flow(flow)
        for issue in issues:
            click.echo(f"NG {issue}", err=True)
        problems += len(issues)
        if not issues:
            path = document_path(folder, name)
            if not path.is_file() or path.read_text(encoding="utf-8") != render_document(flow):
                click.echo(
                    f"NG {name}: {path.name} が YAML と合っていません（kodomo-ai flows build で作り直してください）",
                    err=True,
                )
                problems += 1
                continue
            click.echo(f"OK {name}")
    if not names:
        raise click.ClickException(f"{folder} に業務フローがありません")
    if problems:
        raise click.ClickException(f"{problems}件の問題があります")


@flows.command("build")
@FLOWS_DIR_OPTION
def build(flows_dir: Path | None) -> None:
    """YAML から説明文書 flow-<name>.md を作り直す."""
    folder = _flows_dir(flows_dir)
    try:
        changed = build_documents(folder)
    except FlowError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in changed:
        click.echo(f"更新: {path}")
    click.echo(f"{len(flow_names(folder))}件の業務フローのうち{len(changed)}件の文書を更新しました")
