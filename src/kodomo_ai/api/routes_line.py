"""The LINE webhook: signed events in, answers through the same consult pipeline (safety first) out."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request

from kodomo_ai.api.auth import Principal
from kodomo_ai.api.deps import AppState, StateDep, client_address
from kodomo_ai.api.errors import ApiError, ErrorBody
from kodomo_ai.api.people import LineLink, after_answer, open_case, people, record_signal, shown_text
from kodomo_ai.api.records import audit_entry, record_answer
from kodomo_ai.errors import KodomoError
from kodomo_ai.handoff.urgency import NORMAL
from kodomo_ai.line.messages import HANDOFF_DATA, answer_messages, text_messages
from kodomo_ai.line.webhook import BadSignature, Incoming, parse

log = logging.getLogger(__name__)
router = APIRouter(tags=["line"])
NOT_TEXT = "ごめんなさい、文字のメッセージだけお答えできます。知りたいことを文章で送ってください。"
WELCOME = (
    "友だち追加ありがとうございます。こども・子育ての制度や手続き、保育のことを、文章で質問してください。"
    "命に関わるときは、すぐに119番に電話してください。"
)
FAILED = "ごめんなさい、いまお答えできませんでした。少し時間をおいて、もう一度送ってください。"


@router.post(
    "/v1/line/webhook",
    responses={503: {"model": ErrorBody, "description": "LINE チャネルが設定されていません"}},
)
async def webhook(request: Request, state: StateDep, background: BackgroundTasks) -> dict[str, Any]:
    """Verify X-Line-Signature with the channel secret (401 and nothing processed when it fails), then answer."""
    link = people(state).line
    if link is None:
        raise ApiError(
            503, "line_not_configured", "LINE チャネルが設定されていません（KODOMO_LINE_CHANNEL_SECRET など）"
        )
    body = await request.body()
    principal = Principal(role="parent", client=client_address(request))
    try:
        events = parse(body, request.headers.get("x-line-signature"), link.secret)
    except BadSignature as exc:
        state.storage.record_audit(audit_entry(principal, "line_webhook", status=401, output=str(exc)))
        raise ApiError(401, "bad_signature", "署名（X-Line-Signature）が正しくありません") from None
    # LINE waits only a short time for the 200: answers go out after it, with the events' reply tokens.
    background.add_task(handle_events, state, link, principal, events)
    return {}


def handle_events(state: AppState, link: LineLink, principal: Principal, events: list[Incoming]) -> None:
    """Answer each event in order; one failing event does not stop the others."""
    for event in events:
        try:
            handle_event(state, link, principal, event)
        except Exception as exc:
            log.exception("LINE event failed")
            failure = f"{event.kind} failed: {type(exc).__name__}: {exc}"
            state.storage.record_audit(audit_entry(principal, "line_event", status=500, output=failure))
            if event.reply_token:
                link.sender.reply(event.reply_token, text_messages(FAILED))


def handle_event(state: AppState, link: LineLink, principal: Principal, event: Incoming) -> None:
    """One event: a text is answered, the hand-off button opens a case, a new friend is greeted."""
    user = link.identity.user_hash(event.user_id)
    conversation = link.identity.conversation_id(event.user_id)
    if event.kind == "text":
        messages = answer_text(state, link, principal, event, user, conversation)
    elif event.kind == "postback" and event.text == HANDOFF_DATA:
        receipt = open_case(
            state, principal, channel="line", conversation_id=conversation, urgency=NORMAL, reason="handoff",
            line_user=user, push_address=link.identity.seal(event.user_id),
        )  # fmt: skip
        messages = text_messages(receipt.text)
    elif event.kind == "follow":
        messages = text_messages(WELCOME)
    else:
        messages = text_messages(NOT_TEXT)
    if event.reply_token:
        result = link.sender.reply(event.reply_token, messages)
        state.storage.record_audit(audit_entry(principal, "line_reply", output=f"{event.kind}: {result}"))


def answer_text(
    state: AppState, link: LineLink, principal: Principal, event: Incoming, user: str, conversation: str
) -> list[Any]:
    """A text message through consult (safety first), stored masked, with any hand-off receipt or offer."""
    history = [
        {"role": role, "content": content}
        for turn in state.storage.conversation(conversation)[-3:]
        for role, content in (("user", turn.question), ("assistant", turn.answer))
    ]
    try:
        answer = state.consultant().ask(event.text, audience="parent", history=history)
    except KodomoError as exc:
        state.storage.record_audit(audit_entry(principal, "line_message", status=422, input=event.text,
                                               output=str(exc)))  # fmt: skip
        return text_messages(str(exc))
    data = answer.model_dump(mode="json")
    extra = after_answer(
        state, principal, data, conversation_id=conversation, channel="line", line_user=user,
        push_address=link.identity.seal(event.user_id),
    )  # fmt: skip
    shown = {**data, "answer": shown_text(str(data.get("answer") or ""), extra)}
    conversation, answer_id = record_answer(
        state.storage,
        principal,
        shown,
        audience="parent",
        conversation_id=conversation,
        action="line_message",
        public=people(state).contacts.numbers(),
    )
    record_signal(state, principal, data, answer_id=answer_id, conversation_id=conversation, channel="line")
    offer = bool(extra.offer) or data.get("mode") == "abstain"
    if extra.replaces:
        return answer_messages({**data, "answer": extra.text}, offer_handoff=False)
    return answer_messages(data, extra.text, offer_handoff=offer)
