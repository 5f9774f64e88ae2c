"""OpenAI-compatible /v1/chat/completions and /v1/models, so the openai SDK, Open WebUI or Dify can use kodomo-ai.

Parents send the public key (`kodomo-public…`, see auth.PUBLIC_KEY_PREFIX); staff send their own key for the
caseworker and trainer models. The same pipeline as /v1/consult runs: safety routing, PII masking, grounding.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from kodomo_ai.api.auth import Principal, check_audience
from kodomo_ai.api.deps import AppState, PublicCaller, StateDep
from kodomo_ai.api.errors import ApiError, ErrorBody
from kodomo_ai.api.records import audit_entry, public_answer, record_answer
from kodomo_ai.api.schemas import (
    MAX_QUESTION_CHARS,
    SSE_EVENT,
    ChatRequest,
    ChatResponse,
    ModelList,
)
from kodomo_ai.api.storage import new_id
from kodomo_ai.errors import KodomoError
from kodomo_ai.text.script import is_latin

log = logging.getLogger(__name__)
router = APIRouter(tags=["openai"])
# Model name -> audience; a staff audience still needs the matching key.
MODELS = {"kodomo-ai": "parent", "kodomo-ai-caseworker": "caseworker", "kodomo-ai-trainer": "trainer"}
# A language a system message names outright; its script alone says nothing (client defaults are English).
_NAMED_LANGUAGES = (
    ("easy", re.compile(r"やさしい日本語|易しい日本語|(?:easy|plain|simple) japanese", re.IGNORECASE)),
    ("en", re.compile(r"\benglish\b|英語", re.IGNORECASE)),
    ("ja", re.compile(r"\bjapanese\b|日本語", re.IGNORECASE)),
)
_MARK = re.compile(r"\[(\d+)\]")
_UNSUPPORTED: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "対応していない指定（n が 2 以上、tools、functions）"}
}


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if part.get("type") == "text")
    return content or ""


def _question_and_history(body: ChatRequest) -> tuple[str, list[dict[str, str]]]:
    """The last user message is the question; earlier user and assistant turns are its history."""
    turns = [(m.role, _text(m.content)) for m in body.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise ApiError(422, "invalid_input", "最後のメッセージは user の質問にしてください", "messages")
    question = turns[-1][1]
    if len(question) > MAX_QUESTION_CHARS:
        raise ApiError(422, "invalid_input", f"質問が長すぎます（上限{MAX_QUESTION_CHARS}文字）", "messages")
    return question, [{"role": r, "content": c} for r, c in turns[:-1]]


def requested_language(body: ChatRequest) -> str | None:
    """`language` if given, else a language the last system (or developer) message names, else None."""
    if body.language is not None:
        return body.language
    found = None
    for message in body.messages:
        if message.role in ("system", "developer"):
            text = _text(message.content)
            found = next((lang for lang, pattern in _NAMED_LANGUAGES if pattern.search(text)), found)
    return found


def refuse_unsupported(body: ChatRequest) -> None:
    """Options we cannot honour are refused with a 400 that says so, never silently ignored."""
    if body.n is not None and body.n > 1:
        raise ApiError(
            400, "unsupported_parameter", "n は 1 だけに対応しています（回答はいつも1つです）", "n"
        )
    for name in ("tools", "functions"):
        if getattr(body, name):
            raise ApiError(
                400, "unsupported_parameter",
                f"{name}（関数呼び出し）には対応していません。計算は /v1/calc/{{rule}} を使ってください", name,
            )  # fmt: skip


class TokenCounter:
    """Tokens as the embedding model's tokenizer splits text (multilingual-e5: XLM-R sentencepiece).

    No special tokens are counted. An embedder without a fast tokenizer counts one token per character.
    """

    def __init__(self, tokenizer: Any = None) -> None:
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is not None:
            from tokenizers import Tokenizer

            # A private copy: the embedder's own one changes its truncation settings on every encode call.
            backend = Tokenizer.from_str(backend.to_str())
            backend.no_truncation()
            backend.no_padding()
        self._backend = backend
        self._lock = threading.Lock()

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Each token's (start, end) character offsets in `text`."""
        if self._backend is None:
            return [(i, i + 1) for i in range(len(text))]
        with self._lock:
            return list(self._backend.encode(text, add_special_tokens=False).offsets)

    def count(self, text: str) -> int:
        """The number of tokens in `text`."""
        return len(self.offsets(text)) if text else 0

    def cut(self, text: str, limit: int) -> str:
        """The longest start of `text` holding at most `limit` tokens."""
        offsets = self.offsets(text)
        return text if len(offsets) <= limit else text[: offsets[limit][0]]


_counters: dict[int, TokenCounter] = {}
_counters_lock = threading.Lock()


def token_counter(state: AppState) -> TokenCounter:
    """The app's token counter, built once from its embedder's tokenizer."""
    kb = state.kb
    with _counters_lock:
        if id(kb) not in _counters:
            model = getattr(kb.embedder, "model", None)
            _counters[id(kb)] = TokenCounter(getattr(model, "tokenizer", None))
        return _counters[id(kb)]


def sources_text(answer: dict[str, Any], english: bool = False) -> str:
    """The contacts and the numbered sources as text after the answer (plain clients show only `content`)."""
    lines = []
    escalation = answer.get("escalation") or {}
    for contact in escalation.get("contacts", []):
        lines.append(f"☎ {contact['name']}: {contact['number']}")
    if answer.get("citations"):
        lines.append("Sources:" if english else "出典:")
        for n, cite in enumerate(answer["citations"], 1):
            lines.append(f"[{n}] {cite['title']} {cite['source']}")
    return ("\n\n" + "\n".join(lines)) if lines else ""


def url_citations(
    content: str, citations: list[dict[str, Any]], start: int, end: int
) -> list[dict[str, Any]]:
    """A url_citation for each `[n]` mark between `start` and `end` of the content."""
    out = []
    for match in _MARK.finditer(content, start, end):
        n = int(match.group(1))
        if 1 <= n <= len(citations):
            cite = citations[n - 1]
            url = str(cite.get("source") or "") or f"kodomo-ai:document/{cite.get('doc_id', '')}"
            out.append({"type": "url_citation", "url_citation": {
                "url": url, "title": str(cite.get("title") or ""),
                "start_index": match.start(), "end_index": match.end(),
            }})  # fmt: skip
    return out


@dataclass
class _Call:
    """What one request asked for, resolved once."""

    completion_id: str
    created: int
    model: str
    audience: str
    english: bool  # asked for in English, or asked in English (the pipeline answers those in English)
    limit: int | None
    prompt_tokens: int


@router.get("/v1/models", response_model=ModelList)
def models() -> Any:
    """The model names: kodomo-ai (parents), kodomo-ai-caseworker, kodomo-ai-trainer."""
    return {"object": "list", "data": [{"id": name} for name in MODELS]}


@router.post(
    "/v1/chat/completions", response_model=ChatResponse,
    responses={200: {"content": {"text/event-stream": {"schema": SSE_EVENT}}}, **_UNSUPPORTED},
)  # fmt: skip
def chat_completions(body: ChatRequest, principal: PublicCaller, state: StateDep) -> Any:
    """Answer the last user message as an OpenAI chat completion (streamed when `stream` is true).

    Parents send the public key `kodomo-public` (the OpenAI SDK needs a key); staff send their own key.
    Earlier turns in `messages` are the conversation's history. The reply keeps its `[n]` marks, each with a
    `url_citation` annotation; `usage` counts e5 tokens; `max_tokens` cuts the reply, except one that carries
    emergency or counselling contacts, which is always sent whole.
    """
    if body.model not in MODELS:
        raise ApiError(
            404, "model_not_found", f"モデル「{body.model}」はありません（{', '.join(MODELS)}）", "model"
        )
    refuse_unsupported(body)
    audience = MODELS[body.model]
    check_audience(principal, audience)
    question, history = _question_and_history(body)
    language = requested_language(body)
    counter = token_counter(state)
    call = _Call(
        completion_id="chatcmpl-" + new_id(), created=int(time.time()), model=body.model, audience=audience,
        english=language == "en" or (language is None and is_latin(question)),
        limit=body.max_completion_tokens or body.max_tokens,
        prompt_tokens=sum(counter.count(_text(m.content)) for m in body.messages),
    )  # fmt: skip
    plain, lang = language == "easy", "en" if language == "en" else "ja"
    consultant = state.consultant()
    if body.stream:
        stream = consultant.ask_stream(
            question, audience=audience, history=history, plain=plain, language=lang
        )
        state.consult_slots.acquire()
        events = state.consult_slots.streamed(
            stream
        )  # started below at once: its `finally` gives the slot back
        try:
            first = next(events)  # input errors surface here: a JSON 422, not a broken stream
        except KodomoError:
            state.storage.record_audit(audit_entry(principal, "chat_completions", status=422, input=question))
            raise
        usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(
            _chunks(call, first, events, principal, state, counter, include_usage=usage),
            media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )  # fmt: skip
    try:
        with state.consult_slots.held():
            asked = consultant.ask(question, audience=audience, history=history, plain=plain, language=lang)
        answer = public_answer(asked.model_dump(mode="json"))
    except KodomoError:
        state.storage.record_audit(audit_entry(principal, "chat_completions", status=422, input=question))
        raise
    record_answer(
        state.storage, principal, answer, audience=audience, conversation_id=None, action="chat_completions"
    )
    content = answer["answer"] + sources_text(answer, call.english)
    finish = "stop"
    if call.limit is not None and not answer.get("escalation"):
        cut = counter.cut(content, call.limit)
        finish = "length" if cut != content else "stop"
        content = cut
    notes = url_citations(content, answer["citations"], 0, min(len(content), len(answer["answer"])))
    completion = counter.count(content)
    return {
        "id": call.completion_id, "created": call.created, "model": call.model,
        "choices": [{"index": 0, "finish_reason": finish,
                     "message": {"role": "assistant", "content": content, "annotations": notes}}],
        "usage": _usage(call, completion), "citations": answer["citations"], "kodomo": answer,
    }  # fmt: skip


def _usage(call: _Call, completion_tokens: int) -> dict[str, int]:
    return {"prompt_tokens": call.prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": call.prompt_tokens + completion_tokens}  # fmt: skip


def _chunk(call: _Call, delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> str:
    choices = (
        [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
    )
    payload = {"id": call.completion_id, "object": "chat.completion.chunk", "created": call.created,
               "model": call.model, "choices": choices, **extra}  # fmt: skip
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _chunks(
    call: _Call, first: dict[str, Any], events: Iterator[dict[str, Any]], principal: Principal,
    state: AppState, counter: TokenCounter, *, include_usage: bool,
) -> Iterator[str]:  # fmt: skip
    """The pipeline's events as OpenAI chunks; past `max_tokens` text is held back until the answer is known."""
    usage_field = {"usage": None} if include_usage else {}
    yield _chunk(call, {"role": "assistant", "content": ""}, **usage_field)
    sent = ""  # what the client has received
    held = ""  # text past the limit: sent only if the answer turns out to carry safety contacts
    try:
        for event in _with_first(first, events):
            if event["type"] == "final":
                answer = public_answer(event["answer"])
                record_answer(state.storage, principal, answer, audience=call.audience, conversation_id=None,
                              action="chat_completions_stream")  # fmt: skip
                yield from _final_chunks(call, answer, sent, held, counter, usage_field, include_usage)
                continue
            text = event["text"]
            if call.limit is not None and not held:
                room = counter.cut(sent + text, call.limit)[len(sent) :]
                held, text = text[len(room) :], room
            elif held:
                held, text = held + text, ""
            if text:
                sent += text
                yield _chunk(call, {"content": text}, **usage_field)
    except Exception:  # the status line is sent: report the failure in the stream, as OpenAI does
        log.exception("chat completion stream failed")
        state.storage.record_audit(audit_entry(principal, "chat_completions_stream", status=500))
        error = {
            "message": "回答の途中でエラーが発生しました",
            "type": "server_error",
            "code": "stream_failed",
        }
        yield f"data: {json.dumps({'error': error}, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


def _final_chunks(
    call: _Call, answer: dict[str, Any], sent: str, held: str, counter: TokenCounter,
    usage_field: dict[str, Any], include_usage: bool,
) -> Iterator[str]:  # fmt: skip
    """The rest of the text with the sources, the annotations and the finish reason; then the usage chunk."""
    streamed = sent + held
    tail = sources_text(answer, call.english)
    if _squash(streamed) != _squash(answer["answer"]):
        # The checked answer replaced the streamed draft: say so, then give the checked text.
        header = "\n\n（確認済みの回答）\n"
        start = len(streamed) + len(header)
        tail = header + answer["answer"] + tail
    else:
        start = len(streamed) - len(answer["answer"]) if streamed.endswith(answer["answer"]) else 0
    rest = held + tail
    finish = "stop"
    if call.limit is not None and not answer.get("escalation"):
        room = counter.cut(sent + rest, call.limit)[len(sent) :]
        finish = "length" if room != rest else "stop"
        rest = room
    content = sent + rest
    notes = url_citations(
        content, answer["citations"], start, min(len(content), start + len(answer["answer"]))
    )
    yield _chunk(call, {"content": rest, "annotations": notes}, finish, citations=answer["citations"],
                 kodomo=answer, **usage_field)  # fmt: skip
    if include_usage:
        yield _chunk(call, None, usage=_usage(call, counter.count(content)))


def _with_first(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


def _squash(text: str) -> str:
    return "".join(text.split())
