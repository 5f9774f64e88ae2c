"""The review step for gap cards: draft → approved → live (or rejected), each step audited.

Four eyes: the person who approves is not the one who wrote the last version of the draft. A change after
approval sends the card back to draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kodomo_ai.engines.base import AnswerEngine
from kodomo_ai.gaps.cards import check_card, draft_card, publish_cards, write_card_file
from kodomo_ai.gaps.report import GapReport, build_report
from kodomo_ai.gaps.store import CardDraft, GapStore, utcnow
from kodomo_ai.index.knowledge_base import KnowledgeBase
from kodomo_ai.retrieval import Retriever
from kodomo_ai.schema import Card

Auditor = Callable[[str, str, str], None]
EDITABLE = ("question", "paraphrases", "answer", "conditions", "ask", "citations", "doc_id", "audience")


class ReviewError(Exception):
    """A step that is not allowed now: `code` for the API, a Japanese message for people."""

    def __init__(self, code: str, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.problems = problems or []


class CardReview:
    """Gap report, drafts and publishing over one knowledge base and the service database."""

    def __init__(
        self, store: GapStore, kb: KnowledgeBase, retriever: Retriever, engine: AnswerEngine, *, data_dir: Path,
        municipality: str | None = None, audit: Auditor | None = None,
    ) -> None:  # fmt: skip
        self.store = store
        self.kb = kb
        self.retriever = retriever
        self.engine = engine
        self.data_dir = Path(data_dir)
        self.municipality = municipality
        self.audit = audit or (lambda action, given, result: None)

    def embed(self, texts: list[str]) -> np.ndarray:
        """e5 query vectors of masked questions."""
        return np.asarray(self.kb.embedder.embed_batch(texts, kind="query"))

    def report(
        self, since: dt.datetime, until: dt.datetime, *, threshold: float,
        extra: list[tuple[str, str, dt.datetime, str]] | None = None,
    ) -> GapReport:  # fmt: skip
        """Topics of the period, compared with the period of the same length before it."""
        span = until - since
        report = build_report(
            self.store.signals(since, until), self.embed, since=since, until=until, threshold=threshold,
            previous=self.store.signals(since - span, since), extra=extra,
        )  # fmt: skip
        self.audit("gaps_report", f"{since.isoformat()}..{until.isoformat()}", f"{len(report.topics)} topics")
        return report

    def create_draft(
        self, question: str, examples: list[str], key_id: str | None, topic: str = ""
    ) -> CardDraft:
        """A new draft prefilled from the best sources for `question`."""
        data = draft_card(question, examples, self.retriever, self.engine, municipality=self.municipality)
        draft = self.store.add_draft(
            CardDraft(
                topic=topic or question,
                card=data,
                author_key=key_id,
                status="draft",
                history=[{"action": "draft", "key": key_id, "at": utcnow().isoformat()}],
            )  # fmt: skip
        )
        self.audit("card_draft", question, f"{draft.id} {data['card_id']}")
        return draft

    def _get(self, draft_id: str) -> CardDraft:
        draft = self.store.draft(draft_id)
        if draft is None:
            raise ReviewError("not_found", f"下書き {draft_id} が見つかりません")
        return draft

    def edit(self, draft_id: str, changes: dict[str, Any], key_id: str | None) -> CardDraft:
        """Change the card's text; an approved card goes back to draft, a live one cannot be edited here."""
        draft = self._get(draft_id)
        if draft.status in ("live", "rejected"):
            raise ReviewError("not_editable", f"この下書きは編集できません（状態: {draft.status}）")
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise ReviewError("invalid_input", f"編集できない項目です: {', '.join(unknown)}")
        card = {**draft.card, **changes}
        updated = self.store.update_draft(
            draft_id, {"action": "edit", "key": key_id, "fields": sorted(changes)}, card=card, status="draft",
            author_key=key_id,
        )  # fmt: skip
        self.audit("card_edit", ", ".join(sorted(changes)), draft_id)
        return updated

    def approve(self, draft_id: str, key_id: str | None) -> CardDraft:
        """Approve a checked draft; the approver must not be its last author."""
        draft = self._get(draft_id)
        if draft.status != "draft":
            raise ReviewError("wrong_status", f"承認できるのは下書きだけです（状態: {draft.status}）")
        if key_id is not None and key_id == draft.author_key:
            raise ReviewError("same_person", "自分で書いた下書きは承認できません。別の職員が確認してください")
        card, problems = check_card(draft.card, self.retriever)
        if card is None:
            raise ReviewError("card_invalid", "カードに直すところがあります", problems)
        updated = self.store.update_draft(
            draft_id, {"action": "approve", "key": key_id}, status="approved", reviewer_key=key_id,
            card=card.model_dump(exclude={"municipality", "source_path"}),
        )  # fmt: skip
        self.audit("card_approve", card.question, draft_id)
        return updated

    def publish(self, draft_id: str, key_id: str | None) -> CardDraft:
        """Put an approved card live: the next question like it is answered by it, without a restart."""
        draft = self._get(draft_id)
        if draft.status != "approved":
            raise ReviewError(
                "wrong_status", f"公開できるのは承認済みのカードだけです（状態: {draft.status}）"
            )
        card, problems = check_card(draft.card, self.retriever)
        if card is None:
            raise ReviewError("card_invalid", "カードに直すところがあります", problems)
        generation = publish_cards(self.kb, [card])
        updated = self.store.update_draft(
            draft_id, {"action": "publish", "key": key_id, "generation": generation}, status="live",
            published_at=utcnow(),
        )  # fmt: skip
        write_card_file(self.data_dir, self.live_cards())
        self.audit("card_publish", card.question, f"{draft_id} {card.card_id} generation={generation}")
        return updated

    def reject(self, draft_id: str, key_id: str | None, reason: str = "") -> CardDraft:
        """Set a draft aside (kept for the record)."""
        draft = self._get(draft_id)
        if draft.status == "live":
            raise ReviewError("wrong_status", "公開中のカードは却下できません")
        updated = self.store.update_draft(
            draft_id, {"action": "reject", "key": key_id, "reason": reason}, status="rejected"
        )
        self.audit("card_reject", reason, draft_id)
        return updated

    def live_cards(self) -> list[Card]:
        """Every live gap card."""
        return [Card.model_validate(d.card) for d in self.store.drafts("live")]

    def republish(self) -> int:
        """Put every live gap card back into the index (after an ingest that did not include them)."""
        cards = self.live_cards()
        if cards:
            publish_cards(self.kb, cards)
            write_card_file(self.data_dir, cards)
        return len(cards)
