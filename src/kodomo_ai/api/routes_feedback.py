"""Feedback review for admins: thumbs-down with the question, answer, sources and comment; mark handled."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from kodomo_ai.api.deps import Admin, StateDep
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.feedback_review import mark_handled, review_items
from kodomo_ai.api.records import audit_entry

router = APIRouter(tags=["feedback"])


class FeedbackItem(BaseModel):
    """One feedback with the answer it was given on (None when the conversation was deleted)."""

    id: str
    answer_id: str
    rating: str
    comment: str
    created_at: str
    question: str | None = None
    answer: str | None = None
    mode: str | None = None
    audience: str | None = None
    engine: str | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list)
    handled: bool
    handled_at: str | None = None
    note: str = ""


class ReviewUpdate(BaseModel):
    """Mark handled (with a note) or open again."""

    model_config = ConfigDict(extra="forbid")

    handled: bool = True
    note: str = Field(default="", max_length=1000)


@router.get("/v1/feedback", response_model=list[FeedbackItem])
def list_feedback(
    principal: Admin,
    state: StateDep,
    rating: Annotated[Literal["up", "down", "all"], Query()] = "down",
    status: Annotated[Literal["open", "handled", "all"], Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """Feedback newest first: by default the thumbs-down not handled yet."""
    return review_items(state.storage, rating=None if rating == "all" else rating, status=status, limit=limit)


@router.patch("/v1/feedback/{feedback_id}", response_model=FeedbackItem)
def update_feedback(
    body: ReviewUpdate, principal: Admin, state: StateDep, feedback_id: Annotated[str, Path(max_length=64)]
) -> Any:
    """Mark one feedback handled (or open again)."""
    if not mark_handled(state.storage, feedback_id, handled=body.handled, key_id=principal.key_id,
                        note=body.note):  # fmt: skip
        raise ApiError(404, "not_found", "指定されたご意見が見つかりません", "feedback_id")
    state.storage.record_audit(
        audit_entry(
            principal, "feedback:review", input=feedback_id, output="handled" if body.handled else "open"
        )
    )
    return review_items(state.storage, rating=None, status="all", feedback_id=feedback_id)[0]
