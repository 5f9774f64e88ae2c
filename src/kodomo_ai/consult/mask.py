"""Stage 2, mask: personal data becomes placeholders before retrieval, any remote model, logs or storage."""

from __future__ import annotations

from dataclasses import dataclass, field

from kodomo_ai.consult.route import Routing
from kodomo_ai.safety.contacts import ContactBook
from kodomo_ai.safety.pii import Masked, mask
from kodomo_ai.safety.router import RouteDecision
from kodomo_ai.schema import Hit


@dataclass
class MaskedMessage:
    """A routed message with its personal data masked, and the earlier turns masked the same way."""

    question: str  # the user's words (answers echo them; they never leave the machine)
    masked: Masked
    history: list[dict[str, str]] = field(default_factory=list)
    note: RouteDecision | None = None  # the router's gray-zone note, shown above the answer


def mask_message(
    routing: Routing, history: list[dict[str, str]] | None, contacts: ContactBook
) -> MaskedMessage:
    """Mask the message and its history; the public numbers of the contact book stay readable."""
    public = contacts.numbers()
    # Earlier turns join the question (a follow-up borrows their topic), so they are masked too.
    past = [{**m, "content": mask(m.get("content", ""), public_numbers=public).text} for m in history or []]
    return MaskedMessage(routing.question, mask(routing.question, public_numbers=public), past, routing.note)


def mask_hits(hits: list[Hit], contacts: ContactBook) -> list[Hit]:
    """Copies of hits whose document text is masked: personal data in documents never reaches a remote model."""
    public = contacts.numbers()
    return [h.model_copy(update={"text": mask(h.text, public_numbers=public).text}) for h in hits]


def mask_for_log(text: str, contacts: ContactBook) -> str:
    """The text as the audit log may keep it."""
    return mask(text, public_numbers=contacts.numbers()).text


def redact(text: str, masked: Masked, contacts: ContactBook) -> str:
    """Hide personal data quoted from documents; put back only what the user typed themselves."""
    own = list(masked.mapping)
    # Shield the user's placeholders so a new placeholder with the same number cannot clash with them.
    for i, placeholder in enumerate(own):
        text = text.replace(placeholder, f"\ue000{i}\ue001")
    found = mask(text, public_numbers=contacts.numbers())
    text = found.text
    for placeholder in found.mapping:
        text = text.replace(placeholder, "〔個人情報〕")
    for i, placeholder in enumerate(own):
        text = text.replace(f"\ue000{i}\ue001", placeholder)
    return masked.unmask(text)
