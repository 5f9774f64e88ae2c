"""Feedback for admins to read: each rating with the question, the answer, its sources and the comment."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import select

from kodomo_ai.api.conversations import iso_utc
from kodomo_ai.api.records import masked
from kodomo_ai.api.storage import ConversationTurn, Feedback, FeedbackReview, Storage, utcnow

Status = Literal["open", "handled", "all"]


def review_items(
    storage: Storage,
    *,
    rating: str | None = "down",
    status: Status = "open",
    limit: int = 100,
    feedback_id: str | None = None,
) -> list[dict[str, Any]]:
    """Feedback newest first, joined with its answer and whether an admin handled it."""
    query = (
        select(Feedback, ConversationTurn, FeedbackReview)
        .join(ConversationTurn, ConversationTurn.id == Feedback.answer_id, isouter=True)
        .join(FeedbackReview, FeedbackReview.feedback_id == Feedback.id, isouter=True)
        .order_by(Feedback.created_at.desc())
    )
    if feedback_id is not None:
        query = query.where(Feedback.id == feedback_id)
    if rating:
        query = query.where(Feedback.rating == rating)
    if status == "open":
        query = query.where(FeedbackReview.feedback_id.is_(None))
    elif status == "handled":
        query = query.where(FeedbackReview.feedback_id.is_not(None))
    with storage.session() as session:
        rows = list(session.execute(query.limit(limit)))
    return [_item(feedback, turn, review) for feedback, turn, review in rows]


def mark_handled(
    storage: Storage, feedback_id: str, *, handled: bool, key_id: str | None, note: str = ""
) -> bool:
    """Mark one feedback item handled (or open again); False when there is no such feedback."""
    with storage.session() as session:
        if session.get(Feedback, feedback_id) is None:
            return False
        review = session.get(FeedbackReview, feedback_id)
        if handled and review is None:
            session.add(FeedbackReview(feedback_id=feedback_id, key_id=key_id, note=masked(note),
                                       handled_at=utcnow()))  # fmt: skip
        elif handled and review is not None:
            review.note = masked(note)
        elif review is not None:
            session.delete(review)
    return True


def _item(feedback: Feedback, turn: ConversationTurn | None, review: FeedbackReview | None) -> dict[str, Any]:
    return {
        "id": feedback.id, "answer_id": feedback.answer_id, "rating": feedback.rating,
        "comment": feedback.comment, "created_at": iso_utc(feedback.created_at),
        "question": turn.question if turn else None, "answer": turn.answer if turn else None,
        "mode": turn.mode if turn else None, "audience": turn.audience if turn else None,
        "engine": turn.engine if turn else None, "sources": list(turn.citations or []) if turn else [],
        "handled": review is not None, "handled_at": iso_utc(review.handled_at) if review else None,
        "note": review.note if review else "",
    }  # fmt: skip
