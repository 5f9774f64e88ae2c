"""Stage 5, retrieve: hybrid search with the audience's and municipality's filters, cards, evidence."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kodomo_ai.index.lexical import content_terms, index_terms
from kodomo_ai.retrieval import Filters, Retriever
from kodomo_ai.rules.tools import RuleOutcome
from kodomo_ai.schema import Card, Hit
from kodomo_ai.text.eras import parse_wareki

# Words that ask about the old rules: superseded documents may then answer without being moved back.
_ASKS_HISTORY = re.compile(r"旧|以前|前の制度|改正前|昔")
_WESTERN_MONTH = re.compile(r"((?:19|20)\d{2})年(?:(\d{1,2})月)?")


@dataclass
class CardChoice:
    """A card whose question matched, with the retrieved chunks that hold its quotes."""

    card: Card
    similarity: float
    found: list[tuple[Hit, str]]  # (chunk holding the quote, quote) per citation of the card


@dataclass
class Evidence:
    """How well the retrieved chunks cover the question."""

    dense: float  # best cosine similarity of the question to any chunk
    overlap: float  # share of the question's content words found in the best three hits


class Search:
    """Retrieval over one knowledge base, with the filters and date the consultation is judged on."""

    def __init__(
        self, retriever: Retriever, *, municipality: str | None, k: int, today: dt.date | None = None
    ) -> None:
        self.retriever = retriever
        self.municipality = municipality
        self.k = k
        self._today = today

    @property
    def today(self) -> dt.date:
        """The date rules are judged on (fixed in tests)."""
        return self._today or dt.date.today()

    def hits(self, query: str, audience: str) -> list[Hit]:
        """Hits for the question; superseded rules are moved behind current ones unless history is asked."""
        filters = Filters(audience=audience, municipality=self.municipality)
        hits = self.retriever.search(query, k=self.k, filters=filters)
        if _ASKS_HISTORY.search(query) or asks_before(query, hits):
            return hits
        today = self.today.isoformat()
        current = [
            h for h in hits if not (h.metadata.get("effective_to") and h.metadata["effective_to"] < today)
        ]
        return current + [h for h in hits if h not in current]

    def card(self, query: str, audience: str, hits: list[Hit] | None = None) -> CardChoice | None:
        """The best card of the documents retrieval found, when its question matches (see fit_match_threshold)."""
        hits = hits if hits is not None else self.hits(query, audience)
        # Two independent signals must agree: the card's document is among the best documents for the question.
        docs = list(dict.fromkeys(h.doc_id for h in hits))[:3]
        matches = self.retriever.match_cards(
            query, audience=audience, municipality=self.municipality, k=2, doc_ids=docs
        )
        if not matches or matches[0].similarity < self.retriever.cards().threshold:
            return None
        card = matches[0].card
        found = [(h, c.quote) for c in card.citations if (h := self.retriever.find_quote(c.doc_id, c.quote))]
        return CardChoice(card, matches[0].similarity, found) if found else None

    def evidence(self, query: str, hits: list[Hit]) -> Evidence:
        """The best dense similarity over the municipality's documents, and the word overlap of the top hits."""
        dense = self.retriever.dense(query, 1, Filters(municipality=self.municipality))
        terms = content_terms(query)
        found = set()
        for hit in hits[:3]:
            found |= terms & set(index_terms(hit.title + hit.heading + hit.text))
        return Evidence(dense[0][1] if dense else 0.0, len(found) / len(terms) if terms else 0.0)

    def rule_hits(self, rule: RuleOutcome | None, hits: list[Hit]) -> list[Hit]:
        """The chunks that define the rule used, so the rule result can cite them."""
        if rule is None:
            return []
        out: list[Hit] = []
        for ref in rule.citations:
            found = [h for h in hits if h.doc_id == ref.doc_id]
            if not found:
                found = self.retriever.search(
                    f"{ref.heading} {rule.text}", k=1, filters=Filters(doc_ids=(ref.doc_id,))
                )
            out.extend(h for h in found[:1] if h not in out)
        return out


def asks_before(query: str, hits: list[Hit]) -> bool:
    """The question names a month (西暦 or 和暦) before a retrieved rule was superseded: the old rule is asked."""
    ends = [str(h.metadata["effective_to"]) for h in hits if h.metadata.get("effective_to")]
    if not ends:
        return False
    named = [(int(y), int(m or 1)) for y, m in _WESTERN_MONTH.findall(query)]
    if (wareki := parse_wareki(query)) is not None:
        named.append((wareki[0], wareki[1] or 1))
    return any(f"{y:04d}-{m:02d}-01" < max(ends) for y, m in named)
