"""Stage 4, plan: how one question is answered: a referral, a card, a rule, an abstention, or composed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from kodomo_ai.classify.scope import OUT_OF_SCOPE
from kodomo_ai.consult.mask import mask_hits
from kodomo_ai.consult.retrieve import CardChoice, Search
from kodomo_ai.consult.understand import Question, Understood
from kodomo_ai.engines.base import EngineRequest
from kodomo_ai.rules.tools import RuleOutcome, apply_rules
from kodomo_ai.safety.contacts import ContactBook
from kodomo_ai.safety.pii import Masked
from kodomo_ai.schema import Hit

PlanKind = Literal["refer", "card", "ask_input", "abstain", "compose"]
# Scope labels answered by a referral (where to go instead) rather than from the documents.
REFERRED = (*OUT_OF_SCOPE, "handoff", "chitchat")
# Referrals that stand alone: no card of ours can add anything to them.
BARE_REFERRALS = ("out_other", "handoff", "chitchat")


@dataclass
class Thresholds:
    """Evidence needed to answer instead of abstaining (calibrated on evals/dev; see bench/answers.py)."""

    min_dense: float = 0.80  # best cosine similarity of the question to a chunk
    min_overlap: float = 0.30  # share of the question's content words found in the best chunks


@dataclass
class Style:
    """How an answer is written: for whom, in plain words or not, in which language."""

    audience: str = "parent"
    plain: bool = False
    language: str = "ja"


@dataclass
class Plan:
    """How one question will be answered, with the evidence gathered for it."""

    kind: PlanKind
    question: Question
    message: str  # the user's words, which the answer echoes
    masked: Masked
    label: str = ""  # refer: the scope label whose referral answers
    card: CardChoice | None = None  # card: the card that answers; refer: a referral page quoted under it
    rule: RuleOutcome | None = None  # a computed rule result the answer leads with
    asking: RuleOutcome | None = None  # a calculation that needs one more input from the user
    hits: list[Hit] = field(default_factory=list)
    pool: list[Hit] = field(default_factory=list)  # the hits as stored that the answer may cite
    request: EngineRequest | None = None  # compose: what the engine gets (masked copies for a remote one)
    note: str = ""  # abstain: the evidence that was too weak


class Planner:
    """Decides each question's plan from its scope, the rules, cards and the strength of the evidence."""

    def __init__(
        self, search: Search, contacts: ContactBook, *, thresholds: Thresholds, cards: bool, remote: bool
    ) -> None:
        self.search = search
        self.contacts = contacts
        self.thresholds = thresholds
        self.cards = cards  # cards answer for the extractive engine; an LLM composes from the documents
        self.remote = remote  # the engine sends text off the machine: it gets masked documents

    def plan(self, understood: Understood, question: Question, style: Style) -> Plan:
        """The plan for one question of the message."""
        base = Plan("compose", question, understood.question, understood.masked)
        label = question.scope.label if question.scope is not None else ""
        if label in REFERRED:
            card = None if label in BARE_REFERRALS else self.search.card(question.query, style.audience)
            return replace(base, kind="refer", label=label, card=card)
        if label == "local_detail":
            # Only that office knows, unless one of our cards answers it.
            card = self.search.card(question.query, style.audience)
            return replace(base, kind="card", card=card) if card else replace(base, kind="refer", label=label)
        return self._from_documents(base, style)

    def _from_documents(self, base: Plan, style: Style) -> Plan:
        """Rules and retrieval: a card, a question back, an abstention, or an engine request."""
        query = base.question.query
        rule = apply_rules(query, today=self.search.today, municipality=self.search.municipality or "midori")
        asking = rule if rule is not None and rule.status == "needs_input" else None
        if asking is not None:
            rule = None  # answer the general rule from the documents, then ask for the missing input
        hits = self.search.hits(query, style.audience)
        if rule is None and asking is None and self.cards:
            card = self.search.card(query, style.audience, hits)
            if card is not None:
                return replace(base, kind="card", card=card, hits=hits)
        rule_hits = self.search.rule_hits(rule, hits)
        evidence = self.search.evidence(query, hits)
        weak = evidence.dense < self.thresholds.min_dense or evidence.overlap < self.thresholds.min_overlap
        if rule is None and (not hits or weak):
            if asking is not None:
                return replace(base, kind="ask_input", asking=asking, hits=hits)
            note = f"evidence: dense={evidence.dense:.3f} overlap={evidence.overlap:.2f}"
            return replace(base, kind="abstain", hits=hits, note=note)
        pool = hits + [h for h in rule_hits if h not in hits]
        request = EngineRequest(
            question=query, hits=mask_hits(pool, self.contacts) if self.remote else pool,
            audience=style.audience, plain=style.plain, language=style.language,
            rule_text=rule.text if rule else "", rule_citations=[h.chunk_id for h in rule_hits],
        )  # fmt: skip
        return replace(base, kind="compose", rule=rule, asking=asking, hits=hits, pool=pool, request=request)
