"""Consultation endpoints: /v1/consult (JSON or Server-Sent Events), /v1/search, /v1/feedback."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from kodomo_ai.api.auth import AUDIENCES_BY_ROLE, Principal, check_audience
from kodomo_ai.api.deps import AppState, PublicCaller, StateDep
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.people import record_with_people
from kodomo_ai.api.records import audit_entry, masked, public_answer, public_source
from kodomo_ai.api.schemas import (
    SSE_EVENT,
    ConsultRequest,
    ConsultResponse,
    FeedbackRequest,
    FeedbackResponse,
    SearchRequest,
)
from kodomo_ai.api.storage import Feedback, new_id
from kodomo_ai.errors import InputError, KodomoError
from kodomo_ai.schema import Hit

log = logging.getLogger(__name__)
router = APIRouter(tags=["consult"])

_SSE_DOC = {
    "description": "JSON の回答。`stream: true` のときは text/event-stream（event: delta / final / error）",
    "content": {"text/event-stream": {"schema": SSE_EVENT}},
}


def passages(answer: Any) -> list[dict[str, Any]]:
    """The full text of each cited chunk, so a client can show the quote in context."""
    cited = {c.chunk_id for c in answer.citations}
    seen: set[str] = set()
    out = []
    for hit in answer.retrieved:
        if hit.chunk_id in cited and hit.chunk_id not in seen:
            seen.add(hit.chunk_id)
            out.append(
                {"chunk_id": hit.chunk_id, "doc_id": hit.doc_id, "heading": hit.heading, "text": hit.text}
            )
    return out


def _history(body: ConsultRequest) -> list[dict[str, str]]:
    return [m.model_dump() for m in body.history]


def _failure_audit(state: AppState, principal: Principal, action: str, question: str, exc: Exception) -> None:
    status = 422 if isinstance(exc, InputError) else 500
    state.storage.record_audit(audit_entry(principal, action, status=status, input=question, output=str(exc)))


@router.post("/v1/consult", response_model=ConsultResponse, responses={200: _SSE_DOC})
def consult(body: ConsultRequest, principal: PublicCaller, state: StateDep) -> Any:
    """Answer a question with citations (or escalate / abstain / refuse); SSE when `stream` is true."""
    check_audience(principal, body.audience)
    consultant = state.consultant()
    if body.stream:
        return _stream(body, principal, state)
    try:
        with state.consult_slots.held():
            answer = consultant.ask(
                body.question, audience=body.audience, history=_history(body), plain=body.plain,
                language=body.language,
            )  # fmt: skip
    except KodomoError as exc:
        _failure_audit(state, principal, "consult", body.question, exc)
        raise
    data, conversation_id, answer_id = record_with_people(
        state, principal, public_answer(answer.model_dump(mode="json")), audience=body.audience,
        conversation_id=body.conversation_id, action="consult",
    )  # fmt: skip
    return {**data, "conversation_id": conversation_id, "answer_id": answer_id, "passages": passages(answer)}


def sse(event: str, data: Any) -> str:
    """One Server-Sent Event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _stream(body: ConsultRequest, principal: Principal, state: StateDep) -> StreamingResponse:
    stream = state.consultant().ask_stream(
        body.question,
        audience=body.audience,
        history=_history(body),
        plain=body.plain,
        language=body.language,
    )
    state.consult_slots.acquire()
    events = state.consult_slots.streamed(
        stream
    )  # started below at once, so its `finally` gives the slot back
    try:
        # Input errors surface on the first event: take it now so they become a JSON 422, not a broken stream.
        first = next(events)
    except KodomoError as exc:
        _failure_audit(state, principal, "consult_stream", body.question, exc)
        raise

    def generate() -> Iterator[str]:
        try:
            for event in _chain(first, events):
                if event["type"] == "final":
                    yield sse("final", _finish(event["answer"], body, principal, state))
                else:
                    yield sse("delta", {"text": event["text"]})
        except Exception as exc:  # the status line is sent: report the failure as an event
            log.exception("stream failed")
            _failure_audit(state, principal, "consult_stream", body.question, exc)
            yield sse(
                "error", {"error": {"code": "stream_failed", "message": "回答の途中でエラーが発生しました"}}
            )

    return StreamingResponse(
        generate(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


def _finish(
    answer: dict[str, Any], body: ConsultRequest, principal: Principal, state: AppState
) -> dict[str, Any]:
    answer, conversation_id, answer_id = record_with_people(
        state, principal, public_answer(answer), audience=body.audience, conversation_id=body.conversation_id,
        action="consult_stream",
    )  # fmt: skip
    found = _passages_for(state, answer)
    return {**answer, "conversation_id": conversation_id, "answer_id": answer_id, "passages": found}


def _passages_for(state: AppState, answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Passages of the cited chunks, read back from the catalog (the streamed answer has no hits)."""
    wanted = [c["chunk_id"] for c in answer.get("citations", [])]
    if not wanted:
        return []
    words = state.consultant().retriever.words()
    by_id = {c.chunk_id: c for c in words.chunks if c.chunk_id in set(wanted)}
    out = []
    for chunk_id in dict.fromkeys(wanted):
        chunk = by_id.get(chunk_id)
        if chunk is not None:
            out.append(
                {
                    "chunk_id": chunk.chunk_id,
                    "doc_id": chunk.doc_id,
                    "heading": chunk.heading,
                    "text": chunk.text,
                }
            )
    return out


@router.post("/v1/search", response_model=list[Hit])
def search(body: SearchRequest, principal: PublicCaller, state: StateDep) -> Any:
    """Hybrid search (vectors + words) over the documents the caller may read."""
    from kodomo_ai.retrieval import Filters

    if body.audience is not None:
        check_audience(principal, body.audience)
    # Without a key only parents' documents; staff without an audience see the audiences of their role.
    audience = body.audience or ("parent" if principal.key_id is None else None)
    filters = Filters(
        audience=audience, doc_types=tuple(body.doc_types) if body.doc_types else None,
        municipality=body.municipality,
    )  # fmt: skip
    retriever = state.consultant().retriever
    allowed = set(AUDIENCES_BY_ROLE[principal.role])
    if audience is None and allowed != set(AUDIENCES_BY_ROLE["admin"]):
        readable = _readable_docs(retriever, allowed)
        hits = [
            h for h in retriever.search(body.query, k=body.k + 20, filters=filters) if h.doc_id in readable
        ]
        hits = hits[: body.k]
    else:
        hits = retriever.search(body.query, k=body.k, filters=filters)
    state.storage.record_audit(
        audit_entry(principal, "search", input=body.query, sources=sorted({h.doc_id for h in hits}))
    )
    return [{**h.model_dump(), "source": public_source(h.source)} for h in hits]


def _readable_docs(retriever: Any, audiences: set[str]) -> set[str]:
    """Ids of the indexed documents written for one of `audiences`."""
    words = retriever.words()
    return {d.get("doc_id") for d in words.docs if audiences & set(d.get("audience") or [])}


@router.post("/v1/feedback", response_model=FeedbackResponse, status_code=201)
def feedback(body: FeedbackRequest, principal: PublicCaller, state: StateDep) -> Any:
    """Record a thumbs up or down (with a comment) on an answer."""
    if state.storage.turn(body.answer_id) is None:
        raise ApiError(404, "not_found", "指定された回答が見つかりません", "answer_id")
    row = Feedback(
        id=new_id(), answer_id=body.answer_id, rating=body.rating, comment=masked(body.comment),
        role=principal.role, key_id=principal.key_id,
    )  # fmt: skip
    state.storage.record_feedback(
        row, audit_entry(principal, "feedback", input=body.comment, output=f"{body.rating} {body.answer_id}")
    )
    return {"id": row.id, "answer_id": row.answer_id, "rating": row.rating}
