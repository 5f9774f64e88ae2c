"""The knowledge-gap loop over HTTP: the report, and card drafts through review to live."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from kodomo_ai.api.auth import Principal
from kodomo_ai.api.deps import AppState, Caseworker, StateDep
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.people import auditor, people
from kodomo_ai.api.storage import ConversationTurn, Feedback, Storage
from kodomo_ai.gaps.report import load_threshold
from kodomo_ai.gaps.review import CardReview, ReviewError
from kodomo_ai.gaps.store import CardDraft
from kodomo_ai.handoff.hours import TOKYO

router = APIRouter(tags=["gaps"])
DEFAULT_DAYS = 7
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class DraftRequest(BaseModel):
    """Draft a card for a topic: its central question and example questions."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=2, max_length=500)
    examples: list[str] = Field(default_factory=list, max_length=30)
    topic: str = Field(default="", max_length=500)


class CitationIn(BaseModel):
    """A card's source: a sentence of a document section."""

    model_config = ConfigDict(extra="forbid")
    doc_id: str
    heading: str = ""
    quote: str


class DraftEdit(BaseModel):
    """Fields a caseworker may change on a draft."""

    model_config = ConfigDict(extra="forbid")
    question: str | None = Field(default=None, max_length=500)
    paraphrases: list[str] | None = None
    answer: str | None = Field(default=None, max_length=2000)
    conditions: list[str] | None = None
    ask: str | None = Field(default=None, max_length=300)
    citations: list[CitationIn] | None = None


class RejectRequest(BaseModel):
    """Why a draft is set aside."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=500)


class DraftOut(BaseModel):
    """A card draft with its review history."""

    id: str
    status: str
    topic: str
    card: dict[str, Any]
    created_at: str
    updated_at: str
    history: list[dict[str, Any]]


def review_for(state: AppState, principal: Principal) -> CardReview:
    """The review desk over the app's index, auditing as `principal`."""
    consultant = state.consultant()
    return CardReview(
        people(state).gaps, state.kb, consultant.retriever, consultant.fallback, data_dir=state.settings.data_dir,
        municipality=state.settings.municipality, audit=auditor(state, principal),
    )  # fmt: skip


def thumbs_down(
    storage: Storage, since: dt.datetime, until: dt.datetime
) -> list[tuple[str, str, dt.datetime, str]]:
    """Questions whose answers got a thumbs-down in the period (masked as stored)."""
    query = (
        select(Feedback.answer_id, ConversationTurn.question, Feedback.created_at)
        .join(ConversationTurn, ConversationTurn.id == Feedback.answer_id)
        .where(Feedback.rating == "down", Feedback.created_at >= since, Feedback.created_at < until)
    )
    with storage.session() as session:
        return [(a, q, at, "thumbs_down") for a, q, at in session.execute(query)]


def _period(since: dt.date | None, until: dt.date | None) -> tuple[dt.datetime, dt.datetime]:
    """Local days [since, until] as UTC times; the last 7 days by default."""
    for name, day in (("since", since), ("until", until)):
        # Records exist only in this service's lifetime; far dates would also overflow the day arithmetic.
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ApiError(422, "invalid_input", f"{name} は {EARLIEST}〜{LATEST} の日付にしてください", name)
    end = (until or dt.datetime.now(TOKYO).date()) + dt.timedelta(days=1)
    start = since or end - dt.timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise ApiError(422, "invalid_input", "since は until より前の日付にしてください", "since")
    return (dt.datetime.combine(start, dt.time(), TOKYO).astimezone(dt.UTC),
            dt.datetime.combine(end, dt.time(), TOKYO).astimezone(dt.UTC))  # fmt: skip


def _out(draft: CardDraft) -> dict[str, Any]:
    return {
        "id": draft.id, "status": draft.status, "topic": draft.topic, "card": draft.card,
        "created_at": draft.created_at.isoformat() if draft.created_at else "",
        "updated_at": draft.updated_at.isoformat() if draft.updated_at else "", "history": draft.history or [],
    }  # fmt: skip


def _refused(exc: ReviewError) -> ApiError:
    status = {"not_found": 404, "same_person": 403, "invalid_input": 422, "card_invalid": 422}.get(
        exc.code, 409
    )
    message = exc.message + ("：" + "／".join(exc.problems) if exc.problems else "")
    return ApiError(status, exc.code, message)


@router.get("/v1/gaps/report")
def gap_report(
    principal: Caseworker, state: StateDep, since: dt.date | None = None,
    until: dt.date | None = None,
) -> Any:  # fmt: skip
    """Abstained, low-confidence and thumbs-down questions of the period (masked), grouped into topics."""
    start, end = _period(since, until)
    extra = thumbs_down(state.storage, start, end)
    report = review_for(state, principal).report(start, end, threshold=load_threshold(), extra=extra)
    return report.to_dict()


@router.post("/v1/gaps/drafts", response_model=DraftOut, status_code=201)
def create_draft(body: DraftRequest, principal: Caseworker, state: StateDep) -> Any:
    """A card draft prefilled from the best sources for the topic's question."""
    return _out(
        review_for(state, principal).create_draft(body.question, body.examples, principal.key_id, body.topic)
    )


@router.get("/v1/gaps/drafts", response_model=list[DraftOut])
def list_drafts(
    principal: Caseworker,
    state: StateDep,
    status: Literal["draft", "approved", "live", "rejected"] | None = None,
) -> Any:
    """Drafts, newest first."""
    return [_out(d) for d in people(state).gaps.drafts(status)]


@router.get("/v1/gaps/drafts/{draft_id}", response_model=DraftOut)
def read_draft(draft_id: str, principal: Caseworker, state: StateDep) -> Any:
    """One draft with its history."""
    draft = people(state).gaps.draft(draft_id)
    if draft is None:
        raise ApiError(404, "not_found", f"下書き {draft_id} が見つかりません")
    return _out(draft)


@router.patch("/v1/gaps/drafts/{draft_id}", response_model=DraftOut)
def edit_draft(draft_id: str, body: DraftEdit, principal: Caseworker, state: StateDep) -> Any:
    """Edit the card (an approved card goes back to draft)."""
    changes = body.model_dump(exclude_none=True)
    try:
        return _out(review_for(state, principal).edit(draft_id, changes, principal.key_id))
    except ReviewError as exc:
        raise _refused(exc) from None


@router.post("/v1/gaps/drafts/{draft_id}/{step}", response_model=DraftOut)
def review_step(
    draft_id: str, step: Literal["approve", "publish", "reject"], principal: Caseworker, state: StateDep,
    body: RejectRequest | None = None,
) -> Any:  # fmt: skip
    """approve (another person than its author), publish (live at once, no restart), or reject."""
    review = review_for(state, principal)
    try:
        if step == "approve":
            return _out(review.approve(draft_id, principal.key_id))
        if step == "publish":
            return _out(review.publish(draft_id, principal.key_id))
        return _out(review.reject(draft_id, principal.key_id, body.reason if body else ""))
    except ReviewError as exc:
        raise _refused(exc) from None
