"""LINE messages for an answer: the text, numbered sources as a Flex bubble, a hand-off quick reply.

LINE's limits (Messaging API reference): at most 5 message objects per reply or push, 5,000 characters per
text message, 400 characters of altText, 20 characters per action label, 300 characters of postback data.
"""

from __future__ import annotations

from typing import Any

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexMessage,
    FlexText,
    Message,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
    URIAction,
)

MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_ALT_TEXT = 400
MAX_LABEL = 20
MAX_SOURCES = 5
HANDOFF_DATA = "action=handoff"
HANDOFF_LABEL = "担当者に相談する"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Text cut into pieces of at most `limit` characters, at line breaks where possible."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    if rest:
        pieces.append(rest)
    return pieces


def handoff_quick_reply() -> QuickReply:
    """A quick-reply button that asks for a person (a postback, so no wording has to be classified)."""
    action = PostbackAction(label=HANDOFF_LABEL[:MAX_LABEL], data=HANDOFF_DATA, displayText=HANDOFF_LABEL)
    return QuickReply(items=[QuickReplyItem(action=action)])


def sources_bubble(citations: list[dict[str, Any]]) -> FlexMessage | None:
    """Numbered sources ([1] title, section quote) as one Flex bubble; each opens its web page when it has one."""
    if not citations:
        return None
    rows: list[Any] = [FlexText(text="出典", weight="bold", size="md")]
    for n, citation in enumerate(citations[:MAX_SOURCES], 1):
        title = str(citation.get("title") or citation.get("doc_id") or "")
        source = str(citation.get("source") or "")
        action = URIAction(label="開く", uri=source) if source.startswith(("https://", "http://")) else None
        rows.append(FlexText(text=f"[{n}] {title}"[:200], wrap=True, size="sm", color="#1a5fb4" if action else None,
                             action=action, margin="md"))  # fmt: skip
        quote = str(citation.get("quote") or "")
        if quote:
            rows.append(FlexText(text=quote[:120], wrap=True, size="xs", color="#555555"))
    alt = "出典: " + " / ".join(
        f"[{n}] {c.get('title', '')}" for n, c in enumerate(citations[:MAX_SOURCES], 1)
    )
    bubble = FlexBubble(body=FlexBox(layout="vertical", contents=rows, spacing="sm"))
    return FlexMessage(altText=alt[:MAX_ALT_TEXT], contents=bubble)


def answer_messages(answer: dict[str, Any], extra: str = "", *, offer_handoff: bool = False) -> list[Message]:
    """The reply for one answer, within LINE's limits: text first, then sources, then `extra` (case or offer).

    The quick reply rides on the last message (LINE shows only the last message's quick reply).
    """
    texts = split_text(str(answer.get("answer") or ""))
    tail = split_text(extra) if extra else []
    flex = sources_bubble(list(answer.get("citations") or []))
    room = MAX_MESSAGES - len(tail) - (1 if flex else 0)
    if len(texts) > room:  # keep the lead of the answer; the rest is in the sources and the web page
        texts = texts[: max(room, 1)]
        texts[-1] = texts[-1][: MAX_TEXT - 2] + "…"
    messages: list[Message] = [TextMessage(text=t) for t in texts]
    if flex is not None:
        messages.append(flex)
    messages.extend(TextMessage(text=t) for t in tail)
    messages = messages[:MAX_MESSAGES]
    if offer_handoff:
        messages[-1].quick_reply = handoff_quick_reply()
    return messages


def text_messages(text: str) -> list[Message]:
    """Plain text as at most five messages (a caseworker's reply, a notice)."""
    return [TextMessage(text=t) for t in split_text(text)[:MAX_MESSAGES]]
