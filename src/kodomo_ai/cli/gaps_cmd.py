"""`kodomo-ai gaps`: the knowledge-gap report, card drafts and their review from the terminal."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from kodomo_ai.config import get_settings


def _review() -> Any:
    """The review desk over the configured index and service database (audited as the CLI admin)."""
    from kodomo_ai.api.auth import Principal
    from kodomo_ai.api.deps import AppState
    from kodomo_ai.api.people import people
    from kodomo_ai.api.records import audit_entry
    from kodomo_ai.api.storage import Storage
    from kodomo_ai.gaps.review import CardReview

    settings = get_settings()
    state = AppState(settings, Storage.from_settings(settings))
    consultant = state.consultant()
    cli = Principal(role="admin", client="cli")

    def audit(action: str, given: str, result: str) -> None:
        state.storage.record_audit(audit_entry(cli, action, input=given, output=result))

    return state, CardReview(
        people(state).gaps, state.kb, consultant.retriever, consultant.fallback, data_dir=settings.data_dir,
        municipality=settings.municipality, audit=audit,
    )  # fmt: skip


@click.group(name="gaps")
def gaps() -> None:
    """Questions the service could not answer well, grouped into topics; cards drafted, reviewed, published."""


@gaps.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="first day (default: 7 days ago)")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="last day (default: today)")
@click.option("--json", "as_json", is_flag=True, help="the report as JSON")
@click.option("--top", type=int, default=10, show_default=True)
def report(since: dt.datetime | None, until: dt.datetime | None, as_json: bool, top: int) -> None:
    """Abstained, low-confidence and thumbs-down questions of a period, by topic (largest first)."""
    from kodomo_ai.api.routes_gaps import _period, thumbs_down
    from kodomo_ai.gaps.report import load_threshold

    state, review = _review()
    start, end = _period(since.date() if since else None, until.date() if until else None)
    result = review.report(
        start, end, threshold=load_threshold(), extra=thumbs_down(state.storage, start, end)
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(f"{result.since[:10]} 〜 {result.until[:10]}: {result.total} 件 {result.kinds}")
    for n, topic in enumerate(result.topics[:top], 1):
        click.echo(f"{n:>2}. [{topic.count}件 {topic.trend}] {topic.label}  {topic.kinds}")
        for example in topic.examples[1:3]:
            click.echo(f"      - {example}")


@gaps.command()
@click.argument("question")
@click.option("--example", "examples", multiple=True, help="another question of the topic (repeatable)")
def draft(question: str, examples: tuple[str, ...]) -> None:
    """Draft a card for a topic's question, prefilled from the best sources (prints the draft id)."""
    _state, review = _review()
    made = review.create_draft(question, list(examples), None)
    click.echo(
        json.dumps({"id": made.id, "status": made.status, "card": made.card}, ensure_ascii=False, indent=1)
    )


@gaps.command(name="list")
@click.option("--status", type=click.Choice(["draft", "approved", "live", "rejected"]))
def list_drafts(status: str | None) -> None:
    """Card drafts, newest first."""
    state, _review_desk = _review()
    from kodomo_ai.api.people import people

    for d in people(state).gaps.drafts(status):
        click.echo(f"{d.id}  {d.status:<8}  {d.card.get('question', '')}")


@gaps.command()
@click.argument("step", type=click.Choice(["approve", "publish", "reject"]))
@click.argument("draft_id")
def review(step: str, draft_id: str) -> None:
    """Move a draft on: approve, publish (live at once), or reject."""
    from kodomo_ai.gaps.review import ReviewError

    _state, desk = _review()
    try:
        done = getattr(desk, step)(draft_id, None)
    except ReviewError as exc:
        raise click.ClickException(" / ".join([exc.message, *exc.problems])) from None
    click.echo(f"{done.id}  {done.status}")


@gaps.command()
def republish() -> None:
    """Put every live gap card back into the index (after an ingest that did not include data_dir/published)."""
    _state, desk = _review()
    click.echo(f"{desk.republish()} cards live")
