"""A parent's saved conversations per browser (list, resume, delete) and the limits the UI shows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from pydantic import BaseModel, ConfigDict, Field

from kodomo_ai.api import conversations as store
from kodomo_ai.api.deps import StateDep
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.people import people
from kodomo_ai.api.schemas import MAX_QUESTION_CHARS

router = APIRouter(tags=["conversations"])
DEFAULT_DAYS = 30
ConversationId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class ContactShown(BaseModel):
    """A safety contact as the page showed it."""

    name: str = Field(max_length=100)
    number: str = Field(max_length=40)
    note: str | None = Field(default=None, max_length=200)


class EscalationShown(BaseModel):
    """The safety box shown above an answer."""

    reason: str = Field(max_length=500)
    contacts: list[ContactShown] = Field(default_factory=list, max_length=10)


class CitationShown(BaseModel):
    """A citation as the page showed it."""

    doc_id: str = Field(max_length=200)
    title: str = Field(max_length=500)
    source: str = Field(max_length=2000)
    chunk_id: str = Field(max_length=200)
    quote: str = Field(default="", max_length=2000)


class PassageShown(BaseModel):
    """A cited passage as the page showed it."""

    chunk_id: str = Field(max_length=200)
    doc_id: str = Field(max_length=200)
    heading: str = Field(default="", max_length=500)
    text: str = Field(max_length=20000)


class TurnShown(BaseModel):
    """What the page showed for one answer, to show it again after a reload."""

    model_config = ConfigDict(extra="ignore")

    answer: str = Field(max_length=MAX_QUESTION_CHARS * 10)
    citations: list[CitationShown] = Field(default_factory=list, max_length=30)
    passages: list[PassageShown] = Field(default_factory=list, max_length=30)
    escalation: EscalationShown | None = None
    language: str = Field(default="ja", pattern=r"^(ja|en)$")
    plain: bool = False


class ConversationSummary(BaseModel):
    """One saved conversation in the browser's list."""

    conversation_id: str
    title: str
    turns: int
    started_at: str
    updated_at: str


class SavedConversation(BaseModel):
    """One saved conversation with its turns, oldest first."""

    conversation_id: str
    turns: list[dict[str, Any]]
    kept_days: int


class Limits(BaseModel):
    """Service limits a client shows before it sends anything."""

    max_file_mb: float
    max_question_chars: int
    conversation_days: int


def _owner(browser_id: str | None) -> str:
    if not browser_id or not store.BROWSER_ID.fullmatch(browser_id):
        raise ApiError(422, "invalid_input", f"{store.BROWSER_HEADER} ヘッダー（16〜64文字の英数字）が必要です",
                       store.BROWSER_HEADER)  # fmt: skip
    return store.owner_of(browser_id)


def _days(state: Any) -> int:
    return int(getattr(state.settings, "conversation_days", None) or DEFAULT_DAYS)


BrowserId = Annotated[str | None, Header(alias=store.BROWSER_HEADER, description="ブラウザごとの識別子")]


@router.get("/v1/conversations", response_model=list[ConversationSummary])
def list_conversations(state: StateDep, browser_id: BrowserId = None) -> Any:
    """This browser's saved conversations, most recent first (older than the kept days are deleted)."""
    owner = _owner(browser_id)
    store.purge_expired(state.storage, _days(state))
    return store.list_conversations(state.storage, owner)


@router.get("/v1/conversations/{conversation_id}", response_model=SavedConversation)
def get_conversation(conversation_id: ConversationId, state: StateDep, browser_id: BrowserId = None) -> Any:
    """One of this browser's conversations with its turns, to resume it."""
    owner = _owner(browser_id)
    store.purge_expired(state.storage, _days(state))
    turns = store.conversation_turns(state.storage, owner, conversation_id)
    if turns is None:
        raise ApiError(404, "not_found", "この会話は見つかりません（削除されたか、保存期間を過ぎました）",
                       "conversation_id")  # fmt: skip
    return {"conversation_id": conversation_id, "turns": turns, "kept_days": _days(state)}


@router.put("/v1/conversations/{conversation_id}/turns/{answer_id}", status_code=204)
def save_turn(
    conversation_id: ConversationId,
    body: TurnShown,
    state: StateDep,
    answer_id: Annotated[str, Path(max_length=64)],
    browser_id: BrowserId = None,
) -> None:
    """Save an answered turn (from /v1/consult) in this browser's conversation list."""
    owner = _owner(browser_id)
    try:
        store.save_turn(state.storage, owner, conversation_id, answer_id, body.model_dump(),
                        public=people(state).contacts.numbers())  # fmt: skip
    except store.SaveRefused as refused:
        raise ApiError(404, "not_found", "保存できる回答が見つかりません", str(refused)) from None


@router.delete("/v1/conversations/{conversation_id}")
def delete_conversation(
    conversation_id: ConversationId, state: StateDep, browser_id: BrowserId = None
) -> dict[str, Any]:
    """Delete one of this browser's conversations (its questions and answers on the server too)."""
    owner = _owner(browser_id)
    deleted = store.delete_conversation(state.storage, owner, conversation_id)
    if not deleted:
        raise ApiError(404, "not_found", "この会話は見つかりません", "conversation_id")
    return {"conversation_id": conversation_id, "deleted": deleted}


@router.get("/v1/limits", response_model=Limits)
def limits(state: StateDep) -> Any:
    """The upload size limit, the question length limit and how long conversations are kept."""
    return {"max_file_mb": float(state.settings.max_file_mb), "max_question_chars": MAX_QUESTION_CHARS,
            "conversation_days": _days(state)}  # fmt: skip
