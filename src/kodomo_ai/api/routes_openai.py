"""OpenAI-compatible /v1/chat/completions and /v1/models, so clients like Open WebUI or Dify can use kodomo-ai."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from kodomo_ai.api.auth import Principal, check_audience
from kodomo_ai.api.deps import AppState, PublicCaller, StateDep
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.records import audit_entry, public_answer, record_answer
from kodomo_ai.api.schemas import MAX_QUESTION_CHARS, SSE_EVENT
from kodomo_ai.api.storage import new_id
from kodomo_ai.errors import KodomoError

router = APIRouter(tags=["openai"])
# Model name -> audience; a staff audience still needs the matching key.
MODELS = {"kodomo-ai": "parent", "kodomo-ai-caseworker": "caseworker", "kodomo-ai-trainer": "trainer"}


class ChatMessage(BaseModel):
    """An OpenAI chat message (text content only)."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """An OpenAI chat completion request; sampling options are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = "kodomo-ai"
    messages: list[ChatMessage] = Field(min_length=1, max_length=50)
    stream: bool = False


class ChatChoiceMessage(BaseModel):
    """The assistant's reply."""

    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    """One choice (always exactly one)."""

    index: int = 0
    message: ChatChoiceMessage
    finish_reason: str = "stop"


class ChatResponse(BaseModel):
    """An OpenAI chat completion, plus `citations` and the full kodomo-ai answer."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: dict[str, int]
    citations: list[dict[str, Any]] = Field(default_factory=list)
    kodomo: dict[str, Any] = Field(default_factory=dict)


class ModelCard(BaseModel):
    """A model as /v1/models lists it."""

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "kodomo-ai"


class ModelList(BaseModel):
    """The models offered."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if part.get("type") == "text")
    return content or ""


def _question_and_history(body: ChatRequest) -> tuple[str, list[dict[str, str]]]:
    turns = [(m.role, _text(m.content)) for m in body.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise ApiError(422, "invalid_input", "最後のメッセージは user の質問にしてください", "messages")
    question = turns[-1][1]
    if len(question) > MAX_QUESTION_CHARS:
        raise ApiError(422, "invalid_input", f"質問が長すぎます（上限{MAX_QUESTION_CHARS}文字）", "messages")
    return question, [{"role": r, "content": c} for r, c in turns[:-1]]


def sources_text(answer: dict[str, Any]) -> str:
    """The citations and contacts as text appended to the reply (plain clients show only `content`)."""
    lines = []
    escalation = answer.get("escalation") or {}
    for contact in escalation.get("contacts", []):
        lines.append(f"☎ {contact['name']}: {contact['number']}")
    if answer.get("citations"):
        lines.append("出典:")
        for n, cite in enumerate(answer["citations"], 1):
            lines.append(f"[{n}] {cite['title']} {cite['source']}")
    return ("\n\n" + "\n".join(lines)) if lines else ""


@router.get("/v1/models", response_model=ModelList)
def models() -> Any:
    """The model names: kodomo-ai (parents), kodomo-ai-caseworker, kodomo-ai-trainer."""
    return {"object": "list", "data": [{"id": name} for name in MODELS]}


@router.post(
    "/v1/chat/completions", response_model=ChatResponse,
    responses={200: {"content": {"text/event-stream": {"schema": SSE_EVENT}}}},
)  # fmt: skip
def chat_completions(body: ChatRequest, principal: PublicCaller, state: StateDep) -> Any:
    """Answer the last user message as an OpenAI chat completion (streamed when `stream` is true)."""
    if body.model not in MODELS:
        raise ApiError(
            404, "model_not_found", f"モデル「{body.model}」はありません（{', '.join(MODELS)}）", "model"
        )
    audience = MODELS[body.model]
    check_audience(principal, audience)
    question, history = _question_and_history(body)
    consultant = state.consultant()
    completion_id = "chatcmpl-" + new_id()
    created = int(time.time())
    if body.stream:
        events = consultant.ask_stream(question, audience=audience, history=history)
        first = next(events)
        return StreamingResponse(
            _chunks(completion_id, created, body.model, first, events, principal, state, audience),
            media_type="text/event-stream",
        )
    try:
        answer = public_answer(
            consultant.ask(question, audience=audience, history=history).model_dump(mode="json")
        )
    except KodomoError:
        state.storage.record_audit(audit_entry(principal, "chat_completions", status=422, input=question))
        raise
    record_answer(
        state.storage, principal, answer, audience=audience, conversation_id=None, action="chat_completions"
    )
    content = answer["answer"] + sources_text(answer)
    return {
        "id": completion_id, "created": created, "model": body.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": len(question), "completion_tokens": len(content), "total_tokens": len(question) + len(content)},
        "citations": answer["citations"], "kodomo": answer,
    }  # fmt: skip


def _chunk(completion_id: str, created: int, model: str, delta: dict[str, Any], finish: str | None = None,
           **extra: Any) -> str:  # fmt: skip
    payload = {
        "id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra,
    }  # fmt: skip
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _chunks(
    completion_id: str, created: int, model: str, first: dict[str, Any], events: Iterator[dict[str, Any]],
    principal: Principal, state: AppState, audience: str,
) -> Iterator[str]:  # fmt: skip
    yield _chunk(completion_id, created, model, {"role": "assistant", "content": ""})
    streamed: list[str] = []
    for event in _with_first(first, events):
        if event["type"] == "delta":
            streamed.append(event["text"])
            yield _chunk(completion_id, created, model, {"content": event["text"]})
            continue
        answer = public_answer(event["answer"])
        record_answer(state.storage, principal, answer, audience=audience, conversation_id=None,
                      action="chat_completions_stream")  # fmt: skip
        tail = sources_text(answer)
        if _squash("".join(streamed)) != _squash(answer["answer"]):
            # The checked answer replaced the streamed draft: say so, then give the checked text.
            tail = "\n\n（確認済みの回答）\n" + answer["answer"] + tail
        yield _chunk(completion_id, created, model, {"content": tail}, "stop",
                     citations=answer["citations"], kodomo=answer)  # fmt: skip
    yield "data: [DONE]\n\n"


def _with_first(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


def _squash(text: str) -> str:
    return "".join(text.split())
