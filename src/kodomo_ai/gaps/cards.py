"""Cards from gaps: a draft prefilled from the best sources, checked like corpus cards, published live.

Publishing writes the card into a new index generation (readers move to it on their next request, no
restart) and into a card file under the data dir (`published/cards/gap-cards.yaml`). An ingest keeps the
live gap cards of the index it starts from (ids `gap-…`); the file carries them to another index.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from kodomo_ai.engines.base import AnswerEngine, EngineRequest
from kodomo_ai.grounding import check_grounding
from kodomo_ai.index.knowledge_base import KnowledgeBase
from kodomo_ai.retrieval import Filters, Retriever
from kodomo_ai.schema import PUBLISHED_CARD_PREFIX, Card

MAX_PARAPHRASES = 8
PUBLISHED_FILE = Path("published") / "cards" / "gap-cards.yaml"


def card_id_for(question: str) -> str:
    """A stable id for a card made from a gap (gap-<hash of its question>)."""
    return PUBLISHED_CARD_PREFIX + hashlib.sha1(question.encode("utf-8")).hexdigest()[:10]


def draft_card(
    question: str, examples: list[str], retriever: Retriever, engine: AnswerEngine, *,
    audience: str = "parent", municipality: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A card prefilled from the best sources: the engine's cited sentences, the gap's questions as paraphrases."""
    hits = retriever.search(question, k=6, filters=Filters(audience=audience, municipality=municipality))
    draft = engine.generate(EngineRequest(question=question, hits=hits, audience=audience))
    by_id = {h.chunk_id: h for h in hits}
    citations = [
        {"doc_id": by_id[chunk].doc_id, "heading": by_id[chunk].heading, "quote": quote}
        for chunk, quote in draft.cited
        if chunk in by_id and quote
    ]
    answer = re.sub(r"\[\d+\]", "", draft.text).strip()
    paraphrases = [q for q in dict.fromkeys(examples) if q != question][:MAX_PARAPHRASES]
    return {
        "card_id": card_id_for(question), "doc_id": citations[0]["doc_id"] if citations else "",
        "question": question, "paraphrases": paraphrases, "answer": answer, "conditions": [], "ask": "",
        "audience": [audience], "citations": citations,
    }  # fmt: skip


def check_card(data: dict[str, Any], retriever: Retriever) -> tuple[Card | None, list[str]]:
    """The card and what is wrong with it (empty when it may be approved or published).

    The same bar as corpus cards: a question and an answer, every quote found in its indexed document, and
    every number of the answer present in a quote.
    """
    problems: list[str] = []
    try:
        card = Card.model_validate({**data, "municipality": None, "source_path": ""})
    except ValueError as exc:
        return None, [f"カードの形式が正しくありません: {str(exc).splitlines()[0]}"]
    if not card.question.strip():
        problems.append("質問（question）が空です")
    if not card.answer.strip():
        problems.append("回答（answer）が空です")
    if not card.citations:
        problems.append("出典（citations）が1つもありません")
    for citation in card.citations:
        if retriever.find_quote(citation.doc_id, citation.quote) is None:
            problems.append(f"引用文が文書 {citation.doc_id} にありません: {citation.quote[:30]}")
    grounding = check_grounding(card.answer, [c.quote for c in card.citations])
    if not grounding.ok:
        problems.append(f"回答の数字が引用文にありません: {', '.join(grounding.ungrounded)}")
    if card.citations and card.doc_id not in {c.doc_id for c in card.citations}:
        card.doc_id = card.citations[0].doc_id
    return (card if not problems else None), problems


def publish_cards(kb: KnowledgeBase, cards: list[Card]) -> str:
    """Put `cards` live in a new index generation (replacing cards of the same ids); returns the generation."""
    if not cards:
        return kb.generation()
    vectors = [kb.embedder.embed_batch(card.match_texts(), kind="query") for card in cards]
    ids = {card.card_id for card in cards}
    with kb.update() as txn:
        draft = txn.draft()
        docs = {d["doc_id"]: d for d in draft.catalog.documents()}
        for card in cards:
            card.municipality = (docs.get(card.doc_id) or {}).get("municipality") or None
        rows = [(c, v) for c, v in draft.catalog.cards() if c.card_id not in ids]
        # The match threshold stays the one fitted at the last ingest on all cards; the next ingest refits it.
        draft.catalog.replace_cards([*rows, *zip(cards, vectors, strict=True)])
        generation = draft.generation
    return generation if kb.generations is not None else kb.generation()


def write_card_file(data_dir: Path, cards: list[Card]) -> Path:
    """Write the live gap cards as a card file (corpus format) so an ingest of that folder keeps them."""
    path = Path(data_dir) / PUBLISHED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    items = [
        {"id": c.card_id, "doc_id": c.doc_id, "question": c.question, "paraphrases": c.paraphrases,
         "answer": c.answer, "conditions": c.conditions, "ask": c.ask, "audience": c.audience,
         "citations": [x.model_dump() for x in c.citations]}
        for c in cards
    ]  # fmt: skip
    text = "# Cards published from the knowledge-gap report (reviewed; written by kodomo-ai).\n"
    text += yaml.safe_dump({"doc_id": "", "cards": items}, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path
