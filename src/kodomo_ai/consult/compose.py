"""Stage 6, compose: the answer's text from a card, a referral, a rule or the engine (retried, then extractive)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

import yaml

from kodomo_ai.consult.check import check, failure, feedback, grounding
from kodomo_ai.consult.plan import BARE_REFERRALS, Plan, Style
from kodomo_ai.engines.base import AnswerEngine, Draft, EngineRequest
from kodomo_ai.errors import EngineError
from kodomo_ai.rules.tools import RuleOutcome
from kodomo_ai.safety.contacts import ContactBook
from kodomo_ai.safety.decisions import REFERRAL
from kodomo_ai.schema import Answer, Citation, Escalation, Hit, Mode
from kodomo_ai.text.script import is_latin

_REFERRALS = Path(__file__).with_name("referrals.yaml")
# A card's "where to ask" line is added only while the whole answer stays this short (a parent's reply).
_CARD_WITH_ASK = 200
ABSTENTION = (
    "ご質問にお答えできる内容が、登録されている資料の中に見つかりませんでした。"
    "年度ごとの選考の点数や空き状況、個別のご家庭の金額など、地域やご家庭ごとの事情は、"
    "お住まいの市区町村の子育て・保育の担当窓口にお問い合わせください。"
)


@dataclass
class Composed:
    """An answer's text before the check: [n] marks, the (chunk_id, quote) cited, and who wrote it."""

    text: str
    cited: list[tuple[str, str]]
    engine: str
    notes: list[str] = field(default_factory=list)
    pool: list[Hit] = field(default_factory=list)  # the chunks the citations may point at
    escalation: Escalation | None = None
    accepted: int | None = None  # which engine draft passed the check (0: the first); None: the fallback's


class Composer:
    """Writes answers with the chosen engine; the extractive engine is the fallback that needs no model."""

    def __init__(self, engine: AnswerEngine, fallback: AnswerEngine, contacts: ContactBook) -> None:
        self.engine = engine
        self.fallback = fallback
        self.contacts = contacts

    def answer(self, plan: Plan, style: Style) -> Answer:
        """The answer a plan calls for (a composed one is checked before it is returned)."""
        if plan.kind == "refer":
            return self.referral(plan, style)
        if plan.kind == "card":
            return self.card(plan, style)
        if plan.kind == "ask_input":
            assert plan.asking is not None
            return Answer(
                question=plan.message, mode="answer", answer=plan.asking.text, engine="rules",
                rule_results=[plan.asking.model_dump(mode="json")], notes=["needs_input"],
            )  # fmt: skip
        if plan.kind == "abstain":
            return self.abstention(plan)
        return check(plan, self.compose(plan), self.contacts)

    def compose(self, plan: Plan, first: Draft | EngineError | None = None) -> Composed:
        """The engine's checked draft for a compose plan, with a rule's question back or a person's referral."""
        assert plan.request is not None
        composed = self.generate(plan.request, plan.rule, first=first)
        scope = plan.question.scope
        if scope is not None and scope.label == "individual" and plan.rule is None:
            # Explain the rule, but the decision itself belongs to a person (デジタル庁 guidebook).
            composed.text = f"{REFERRAL}\n{composed.text}"
            composed.notes = [*composed.notes, "refer_to_person"]
            window = self.contacts.pick(["municipality"])
            composed.escalation = (
                Escalation(reason="人の判断が必要な依頼のため", contacts=window) if window else None
            )
        if plan.asking is not None:
            ask = plan.asking.text.replace("教えてください", "教えていただければ計算します")
            composed.text = f"{composed.text}\n{ask}"
            composed.notes = [*composed.notes, "needs_input"]
        composed.pool = plan.pool
        return composed

    def generate(
        self, request: EngineRequest, rule: RuleOutcome | None, *, first: Draft | EngineError | None = None,
        attempts: int = 2,
    ) -> Composed:  # fmt: skip
        """Run the engine, check grounding, regenerate once with feedback, then fall back to extractive.

        `first` is a draft (or the error) the engine already streamed: it counts as the first attempt.
        """
        notes: list[str] = []
        engine = self.engine
        for attempt in range(attempts if engine is not self.fallback else 1):
            try:
                if attempt == 0 and isinstance(first, EngineError):
                    raise first
                draft = first if attempt == 0 and isinstance(first, Draft) else engine.generate(request)
            except EngineError as exc:
                notes.append(f"engine_error: {exc}")
                break  # a timeout or a broken server is not retried: the fallback answers at once
            result = grounding(draft, request, rule)
            if result.ok and (draft.cited or engine is self.fallback):
                return Composed(draft.text, draft.cited, engine.name, notes, accepted=attempt)
            notes.append(f"grounding_failed(attempt {attempt + 1}): {failure(result)}")
            request.feedback = feedback(result)
        request.feedback = ""
        draft = self.fallback.generate(request)
        if engine is not self.fallback:
            notes.append("fallback: extractive")
        return Composed(draft.text, draft.cited, self.fallback.name, notes)

    def card(self, plan: Plan, style: Style) -> Answer:
        """The card's short answer, cited by the chunks that hold its quotes."""
        choice = plan.card
        assert choice is not None
        card = choice.card
        cited = [h for h, _ in choice.found]
        english = style.language == "en" or is_latin(plan.message)
        if english and card.en:
            text = card.en.answer
        elif style.plain and card.easy:
            text = card.easy.answer
        else:
            text = card.answer
        text = text.strip() + "".join(f"[{i + 1}]" for i in range(len(cited)))
        if card.ask and not english and len(text) + len(card.ask) <= _CARD_WITH_ASK:
            text += f"\n個別のことは、{card.ask}にお問い合わせください。"
        composed = Composed(
            text, [(h.chunk_id, q) for h, q in choice.found], self.fallback.name,
            notes=[f"card:{card.card_id} sim={choice.similarity:.3f}"], pool=cited,
        )  # fmt: skip
        return check(plan, composed, self.contacts)

    def referral(self, plan: Plan, style: Style) -> Answer:
        """Another office's question (or a request for a person): where to go, with a referral page if one fits."""
        entry = referrals()[plan.label]
        numbers = {key: self.contacts[key].number for key in self.contacts}
        text = Template(entry["text"]).safe_substitute(numbers)
        contacts = self.contacts.pick(list(entry.get("contacts", [])))
        mode: Mode = "answer" if plan.label in ("handoff", "chitchat") else "abstain"
        answer = Answer(
            question=plan.message, mode=mode, answer=text, engine=self.fallback.name, notes=[f"scope:{plan.label}"],
            escalation=Escalation(reason=entry["reason"], contacts=contacts) if contacts else None,
        )  # fmt: skip
        if plan.label in BARE_REFERRALS or plan.card is None:
            return answer
        # A referral page says what the benefit is and who handles it: quote it under the referral.
        carded = self.card(plan, style)
        answer.answer = f"{text}\n{carded.answer}"
        answer.citations = carded.citations
        answer.retrieved = carded.retrieved
        answer.notes.extend(carded.notes)
        return answer

    def abstention(self, plan: Plan) -> Answer:
        """Too little evidence: say so and where to ask."""
        window = self.contacts.pick(["municipality"]) if "municipality" in self.contacts else []
        answer = Answer(
            question=plan.message, mode="abstain", answer=ABSTENTION, engine="extractive",
            escalation=Escalation(reason="資料に根拠がないため", contacts=window) if window else None,
            notes=[plan.note],
        )  # fmt: skip
        answer.retrieved = plan.hits
        return answer


def join_answers(question: str, answers: list[Answer]) -> Answer:
    """One answer for a message of several questions: each part numbered, its [n] marks renumbered."""
    useful = [a for a in answers if a.mode == "answer"] or answers[:1]
    lines: list[str] = []
    citations: list[Citation] = []
    for n, part in enumerate(useful, 1):
        text = _shift_marks(part.answer, len(citations))
        lines.append(f"{n}. {text}" if len(useful) > 1 else text)
        citations.extend(part.citations)
    joined = Answer(
        question=question, mode=useful[0].mode, answer="\n".join(lines), citations=citations,
        escalation=next((a.escalation for a in useful if a.escalation), None), engine=useful[0].engine,
        rule_results=[r for a in useful for r in a.rule_results],
        notes=[f"parts:{len(answers)}", *[n for a in useful for n in a.notes]],
    )  # fmt: skip
    joined.retrieved = [h for a in useful for h in a.retrieved]
    return joined


def _shift_marks(text: str, offset: int) -> str:
    """Renumber [n] citation marks by `offset`."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", text)


@lru_cache(maxsize=1)
def referrals() -> dict[str, dict[str, Any]]:
    """Replies for questions that belong elsewhere, by scope label (consult/referrals.yaml)."""
    data: dict[str, dict[str, Any]] = yaml.safe_load(_REFERRALS.read_text(encoding="utf-8"))
    return data
