"""Hand-off: a parent asks for a person (web), caseworkers work the inbox (list, read, reply, note, close)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from kodomo_ai.api.deps import Caseworker, PublicCaller, StateDep
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.people import auditor, desk_for, open_case, people
from kodomo_ai.handoff.desk import CaseClosed, CaseNotFound
from kodomo_ai.handoff.store import URGENCY_LABELS
from kodomo_ai.handoff.urgency import NORMAL

router = APIRouter(tags=["handoff"])


class HandoffRequest(BaseModel):
    """A parent asks for a person on the conversation they are in."""

    model_config = ConfigDict(extra="forbid")
    conversation_id: str = Field(min_length=8, max_length=64)


class CaseText(BaseModel):
    """A caseworker's reply or note."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)


class CloseRequest(BaseModel):
    """Closing a case, with an optional reason for the record."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=500)


class Receipt(BaseModel):
    """A case as the parent learns about it."""

    number: str
    status: str
    urgency: int
    text: str
    new: bool


class CaseRow(BaseModel):
    """A line of the inbox."""

    number: str
    status: str
    urgency: int
    urgency_label: str
    reason: str
    channel: str
    created_at: str
    updated_at: str
    summary: str


class CaseEntryOut(BaseModel):
    """One line of a case."""

    at: str
    author: str
    kind: str
    text: str
    delivery: str = ""


class CaseOut(BaseModel):
    """A case with its entries (parents see messages and replies, caseworkers also notes)."""

    number: str
    status: str
    urgency: int
    reason: str
    channel: str
    created_at: str
    summary: str
    entries: list[CaseEntryOut]


def _missing(number: str) -> ApiError:
    return ApiError(404, "not_found", f"受付番号 {number} の相談は見つかりません", "number")


@router.post("/v1/handoff", response_model=Receipt, status_code=201)
def request_person(body: HandoffRequest, principal: PublicCaller, state: StateDep) -> Any:
    """Ask for a person on this conversation: a case number, the office's hours and ways to reach it."""
    if not state.storage.conversation(body.conversation_id):
        raise ApiError(
            404, "not_found", "この会話は見つかりません。先に質問を送ってください", "conversation_id"
        )
    receipt = open_case(
        state,
        principal,
        channel="web",
        conversation_id=body.conversation_id,
        urgency=NORMAL,
        reason="handoff",
    )
    case = receipt.case
    return {"number": case.number, "status": case.status, "urgency": case.urgency, "text": receipt.text,
            "new": receipt.new}  # fmt: skip


@router.get("/v1/handoff/mine/{number}", response_model=CaseOut)
def my_case(
    number: str, principal: PublicCaller, state: StateDep,
    conversation_id: str = Query(min_length=8, max_length=64),
) -> Any:  # fmt: skip
    """A parent reads their case and the caseworker's replies (the conversation id proves it is theirs)."""
    case = people(state).handoff.case(number)
    if case is None or case.conversation_id != conversation_id or case.channel != "web":
        raise _missing(number)
    return desk_for(state, principal).view(case, internal=False)


@router.get("/v1/inbox", response_model=list[CaseRow])
def inbox(
    principal: Caseworker, state: StateDep,
    status: Literal["active", "open", "answered", "closed", "all"] = "active",
) -> Any:  # fmt: skip
    """Cases by urgency, then by waiting time (active = not closed)."""
    rows = people(state).handoff.cases(None if status == "all" else status)
    auditor(state, principal)("inbox_list", status, f"{len(rows)} cases")
    return [
        {"number": c.number, "status": c.status, "urgency": c.urgency,
         "urgency_label": URGENCY_LABELS.get(c.urgency, str(c.urgency)), "reason": c.reason, "channel": c.channel,
         "created_at": c.created_at.isoformat() if c.created_at else "",
         "updated_at": c.updated_at.isoformat() if c.updated_at else "", "summary": c.summary}
        for c in rows
    ]  # fmt: skip


@contextmanager
def _case_steps(number: str) -> Iterator[None]:
    """A desk step on case `number`: an unknown case is a 404, a closed one a 409."""
    try:
        yield
    except CaseNotFound:
        raise _missing(number) from None
    except CaseClosed:
        raise ApiError(409, "case_closed", f"受付番号 {number} の相談は終了しています", "number") from None


@router.get("/v1/inbox/{number}", response_model=CaseOut)
def read_case(number: str, principal: Caseworker, state: StateDep) -> Any:
    """One case with its masked conversation, replies and notes (reading is audited too)."""
    desk = desk_for(state, principal)
    with _case_steps(number):
        case = desk.find(number)
    desk.audit("handoff_view", "", case.number)
    return desk.view(case, internal=True)


@router.post("/v1/inbox/{number}/reply", response_model=CaseOut)
def reply(number: str, body: CaseText, principal: Caseworker, state: StateDep) -> Any:
    """Reply to the parent: shown in their web conversation, or pushed to them on LINE."""
    desk = desk_for(state, principal)
    with _case_steps(number):
        case, _entry = desk.reply(number, body.text, principal.key_id)
    return desk.view(desk.find(case.number), internal=True)


@router.post("/v1/inbox/{number}/notes", response_model=CaseOut)
def note(number: str, body: CaseText, principal: Caseworker, state: StateDep) -> Any:
    """An internal note (never shown to the parent)."""
    desk = desk_for(state, principal)
    with _case_steps(number):
        desk.note(number, body.text, principal.key_id)
    return desk.view(desk.find(number), internal=True)


@router.post("/v1/inbox/{number}/close", response_model=CaseOut)
def close(number: str, body: CloseRequest, principal: Caseworker, state: StateDep) -> Any:
    """Close a case; a LINE parent is told, and the sealed push address is erased."""
    desk = desk_for(state, principal)
    with _case_steps(number):
        case = desk.close(number, principal.key_id, body.reason)
    return desk.view(case, internal=True)
