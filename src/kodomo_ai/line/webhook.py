"""Webhook bodies: the X-Line-Signature check (channel secret) and the events we act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhooks import (
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
)


class BadSignature(Exception):
    """The body was not signed with our channel secret (or the signature is missing)."""


@dataclass(frozen=True)
class Incoming:
    """One event we act on: who sent it (raw id, only in memory), what, and the reply token."""

    kind: str  # text | postback | follow | other
    user_id: str
    reply_token: str
    text: str = ""


def parse(body: bytes, signature: str | None, channel_secret: str) -> list[Incoming]:
    """Verify the signature, then read the events; BadSignature when it does not match."""
    if not signature:
        raise BadSignature("missing X-Line-Signature")
    try:
        text = body.decode("utf-8")
        events: list[Any] = WebhookParser(channel_secret).parse(text, signature)
    except (InvalidSignatureError, UnicodeDecodeError) as exc:
        raise BadSignature(str(type(exc).__name__)) from exc
    out = []
    for event in events:
        source = getattr(event, "source", None)
        user_id = getattr(source, "user_id", None) or ""
        token = getattr(event, "reply_token", None) or ""
        if not user_id:
            continue  # group and room events without a user are not consultations
        if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
            out.append(Incoming("text", user_id, token, event.message.text))
        elif isinstance(event, MessageEvent):
            out.append(Incoming("other", user_id, token))
        elif isinstance(event, PostbackEvent):
            out.append(Incoming("postback", user_id, token, event.postback.data))
        elif isinstance(event, FollowEvent):
            out.append(Incoming("follow", user_id, token))
    return out
