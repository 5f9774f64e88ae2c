"""CLI: fit the learned classifiers and show their cross-validated report."""

from __future__ import annotations

import json

import click

from kodomo_ai.config import get_settings


@click.group("classify")
def classify() -> None:
    """The learned decisions (safety risk): fit and inspect."""


@classify.command("fit")
def fit() -> None:
    """Fit (or load, when the data is unchanged) the safety and scope classifiers; print their CV reports."""
    from kodomo_ai.runtime import open_risk_assessor, open_scope_reader

    settings = get_settings()
    say = lambda line: click.echo(line, err=True)  # noqa: E731
    reports = {
        "risk": open_risk_assessor(settings, progress=say).model.report,
        "scope": open_scope_reader(settings, progress=say).model.report,
    }
    click.echo(json.dumps(reports, ensure_ascii=False, indent=1))


@classify.command("risk")
@click.argument("text")
def risk(text: str) -> None:
    """Show the risk labels a message scores over their thresholds (for inspection)."""
    from kodomo_ai.runtime import open_risk_assessor

    for score in open_risk_assessor(get_settings()).assess(text):
        click.echo(f"{score.label}\t{score.tier}\t{score.probability:.3f}\t{score.segment}")
