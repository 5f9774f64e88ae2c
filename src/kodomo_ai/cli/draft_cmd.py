"""CLI: `draft TYPE --fields FILE.json --out DIR` and `train TOPIC --out DIR`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from kodomo_ai.config import get_settings
from kodomo_ai.errors import KodomoError


def _settings(data_dir: Path | None) -> Any:
    settings = get_settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


def _read_fields(path: Path) -> dict[str, Any]:
    """The fields JSON; an `allocation` given as a file name is read relative to it."""
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--fields") from None
    if not isinstance(fields, dict):
        raise click.BadParameter(
            f"{path}: JSON のオブジェクト（{{...}}）を指定してください", param_hint="--fields"
        )
    if isinstance(fields.get("allocation"), str):
        target = (path.parent / fields["allocation"]).resolve()
        try:
            fields["allocation"] = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise click.BadParameter(f"allocation: {target}: {exc}", param_hint="--fields") from None
    return fields


def _engine(name: str | None, settings: Any) -> Any:
    from kodomo_ai.engines.registry import get_engine

    return get_engine(name or settings.engine, settings)


data_dir_option = click.option(
    "--data-dir", type=click.Path(path_type=Path), envvar="KODOMO_DATA_DIR", default=None,
    help="Index and state folder (default ./.kodomo).",
)  # fmt: skip
engine_option = click.option(
    "--engine", envvar="KODOMO_ENGINE", default=None, help="extractive | openai | llamacpp."
)


@click.command()
@click.argument("kind", metavar="TYPE")
@click.option("--fields", "fields_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              required=True, help="JSON file with the notice's fields.")  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True)
@engine_option
@click.option("--json", "as_json", is_flag=True, help="Print the draft as JSON.")
@data_dir_option
def draft(kind: str, fields_file: Path, out_dir: Path, engine: str | None, as_json: bool,
          data_dir: Path | None) -> None:  # fmt: skip
    """Draft a notice (kyufu-nintei, riyou-naitei, riyou-horyu, shisetsu-kyufu, teate-kaitei, kouhou, faq)."""
    from kodomo_ai.drafting import draft_notice
    from kodomo_ai.runtime import open_retriever

    settings = _settings(data_dir)
    fields = _read_fields(fields_file)
    try:
        result = draft_notice(
            kind, fields, retriever=open_retriever(settings), engine=_engine(engine, settings),
            prompts_dir=settings.prompts_dir, municipality=settings.municipality,
        )  # fmt: skip
    except KodomoError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{result.kind}.md").write_text(result.filled, encoding="utf-8")
    (out_dir / f"{result.kind}.template.md").write_text(result.markdown, encoding="utf-8")
    (out_dir / f"{result.kind}.sources.md").write_text(result.appendix, encoding="utf-8")
    result.write_docx(out_dir)
    (out_dir / f"{result.kind}.findings.json").write_text(
        json.dumps([f.as_dict() for f in result.findings], ensure_ascii=False, indent=2), encoding="utf-8"
    )
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{result.title}: {out_dir / (result.kind + '.md')}, {out_dir / (result.kind + '.docx')}")
    click.echo(f"出典（職員用）: {out_dir / (result.kind + '.sources.docx')}")
    click.echo(f"engine: {result.engine}; sources: {len(result.sources)}")
    for note in result.notes:
        click.echo(f"note: {note}")
    for finding in result.findings:
        click.echo(f"finding [{finding.rule}] {finding.message} {finding.excerpt}".rstrip())
    if result.unfilled:
        click.echo(f"未記入の欄（手で記入）: {'、'.join(result.unfilled)}")


@click.command()
@click.argument("topic")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option("--audience", type=click.Choice(["new", "leader"]), default="new", show_default=True)
@click.option("--questions", default=5, show_default=True, help="Number of quiz questions.")
@engine_option
@data_dir_option
def train(topic: str, out_dir: Path, audience: str, questions: int, engine: str | None,
          data_dir: Path | None) -> None:  # fmt: skip
    """Build training material (slides, handout, quiz, drills) for a safety topic, e.g. suimin."""
    from kodomo_ai.runtime import open_retriever
    from kodomo_ai.training import build_training, write_training

    settings = _settings(data_dir)
    try:
        material = build_training(
            topic, retriever=open_retriever(settings), audience=audience,  # type: ignore[arg-type]
            engine=_engine(engine, settings), prompts_dir=settings.prompts_dir, questions=questions,
        )  # fmt: skip
    except KodomoError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    files = write_training(material, out_dir)
    click.echo(f"{material.title}: key points {len(material.key_points)}, quiz {len(material.quiz)}, "
               f"drills {len(material.drills)} (engine: {material.engine})")  # fmt: skip
    for name, path in files.items():
        click.echo(f"{name}: {path}")
    for note in material.notes:
        click.echo(f"note: {note}")
