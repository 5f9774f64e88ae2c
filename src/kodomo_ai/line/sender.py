"""Sends messages through the official line-bot-sdk client; the API base URL is configurable (tests, proxies)."""

from __future__ import annotations

import logging
import uuid

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    Message,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
)

from kodomo_ai.line.messages import MAX_MESSAGES

log = logging.getLogger(__name__)


class LineSender:
    """Reply (with a webhook's reply token) and push (to a user id) over the Messaging API."""

    def __init__(self, access_token: str, base_url: str = "https://api.line.me") -> None:
        self.configuration = Configuration(access_token=access_token, host=base_url.rstrip("/"))

    def reply(self, reply_token: str, messages: list[Message]) -> str:
        """Answer a webhook event; returns "ok" or why it failed (the token is never logged)."""
        request = ReplyMessageRequest(replyToken=reply_token, messages=messages[:MAX_MESSAGES])
        try:
            with ApiClient(self.configuration) as client:
                MessagingApi(client).reply_message(request)
        except ApiException as exc:
            log.warning("LINE reply failed: HTTP %s", exc.status)
            return f"failed: HTTP {exc.status}"
        return "ok"

    def push(self, user_id: str, messages: list[Message]) -> str:
        """Push to a user (a caseworker's reply); a retry key makes a retried push arrive once."""
        request = PushMessageRequest(to=user_id, messages=messages[:MAX_MESSAGES])
        try:
            with ApiClient(self.configuration) as client:
                MessagingApi(client).push_message(request, x_line_retry_key=str(uuid.uuid4()))
        except ApiException as exc:
            log.warning("LINE push failed: HTTP %s", exc.status)
            return f"failed: HTTP {exc.status}"
        except OSError as exc:  # connection refused, DNS …: the reply stays in the inbox, marked undelivered
            log.warning("LINE push failed: %s", type(exc).__name__)
            return f"failed: {type(exc).__name__}"
        return "ok"
