"""consult(): safety router → PII mask → rules → retrieve → engine → grounding check → Answer."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import yaml

from kodomo_ai.classify.asked import AskedTypeReader, load_asked_reader
from kodomo_ai.classify.risk import split_segments
from kodomo_ai.classify.scope import OUT_OF_SCOPE, ScopeDecision
from kodomo_ai.consult.understand import QuestionSplitter, load_splitter, topic
from kodomo_ai.engines.base import AnswerEngine, Draft, EngineRequest
from kodomo_ai.engines.extractive import ExtractiveEngine
from kodomo_ai.engines.openai_compat import OpenAIEngine
from kodomo_ai.engines.registry import get_engine
from kodomo_ai.errors import EngineError, InputError
from kodomo_ai.grounding import GroundingResult, check_grounding
from kodomo_ai.index.lexical import content_terms, index_terms, spell_out_kana
from kodomo_ai.ingest.chunking import split_sentences
from kodomo_ai.ingest.normalise import normalise_text
from kodomo_ai.retrieval import Filters, Retriever
from kodomo_ai.rules.tables import load_municipality
from kodomo_ai.rules.tools import RuleOutcome, apply_rules
from kodomo_ai.safety.contacts import ContactBook, load_contacts
from kodomo_ai.safety.decisions import REFERRAL
from kodomo_ai.safety.injection import detect_injection
from kodomo_ai.safety.pii import Masked, mask
from kodomo_ai.safety.router import RouteDecision, route
from kodomo_ai.schema import Answer, Citation, Escalation, Hit, Mode
from kodomo_ai.text.eras import parse_wareki
from kodomo_ai.text.script import is_latin

if TYPE_CHECKING:
    from kodomo_ai.classify.risk import RiskAssessor
    from kodomo_ai.classify.scope import ScopeReader

_REFERRALS = Path(__file__).with_name("referrals.yaml")
audit = logging.getLogger("kodomo_ai.audit")
log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
# A follow-up leans on the previous turn: short, or opening with a pointer back (それ, じゃあ …).
_FOLLOW_UP = re.compile(
    r"^(それ|その|そちら|そっち|これ|この|あれ|じゃあ|では|なら|でも|だったら|ちなみに|あと|ほか|他)"
)
# Words that ask about the old rules: superseded documents may then answer without being moved back.
_ASKS_HISTORY = re.compile(r"旧|以前|前の制度|改正前|昔")
_WESTERN_MONTH = re.compile(r"((?:19|20)\d{2})年(?:(\d{1,2})月)?")


@dataclass
class Thresholds:
    """Evidence needed to answer instead of abstaining (calibrated on evals/dev; see bench/answers.py)."""

    min_dense: float = 0.80  # best cosine similarity of the question to a chunk
    min_overlap: float = 0.30  # share of the question's content words found in the best chunks


class Consultant:
    """The consultation pipeline over one knowledge base; safe to share between threads."""

    def __init__(
        self, retriever: Retriever, contacts: ContactBook, *, assessor: RiskAssessor,
        scope: ScopeReader | None = None, splitter: QuestionSplitter | None = None,
        asked: AskedTypeReader | None = None, engine: AnswerEngine | None = None,
        municipality: str | None = "midori", k: int = 6, thresholds: Thresholds | None = None,
        today: dt.date | None = None,
    ) -> None:  # fmt: skip
        self.retriever = retriever
        self.contacts = contacts
        embed = retriever.kb.embedder.embed_batch
        self.fallback = ExtractiveEngine(
            embed=lambda texts, kind: embed(texts, kind=kind), asked=asked.probabilities if asked else None
        )
        self.engine = engine or self.fallback
        self.municipality = municipality
        self.municipality_name = municipality_name(municipality) if municipality else ""
        self.k = k
        self.thresholds = thresholds or Thresholds()
        self._today = today
        self.assessor = assessor
        self.scope = scope
        self.splitter = splitter

    @classmethod
    def from_settings(cls, settings: Any, engine: str | None = None) -> Consultant:
        """Build the pipeline the settings describe (index, contacts, engine)."""
        from kodomo_ai.runtime import open_retriever, open_risk_assessor, open_scope_reader

        retriever = open_retriever(settings)
        assessor = open_risk_assessor(settings)
        scope = open_scope_reader(settings)
        splitter = load_splitter(settings.training_dir / "understand" / "compound.yaml")
        asked = load_asked_reader(settings.training_dir / "understand" / "asked_type.yaml")
        contacts = load_contacts(settings.corpus_dir / "contacts" / "contacts.md")
        name = engine or settings.engine
        chosen = None if name == "extractive" else get_engine(name, settings)
        return cls(
            retriever, contacts, engine=chosen, municipality=settings.municipality, k=settings.top_k,
            assessor=assessor, scope=scope, splitter=splitter, asked=asked,
        )  # fmt: skip

    @property
    def today(self) -> dt.date:
        """The date rules are judged on (fixed in tests)."""
        return self._today or dt.date.today()

    # -- the pipeline -------------------------------------------------------------------------
    def ask(
        self, question: str, *, audience: str = "parent", history: list[dict[str, str]] | None = None,
        plain: bool = False, language: str = "ja", qid: str | None = None,
    ) -> Answer:  # fmt: skip
        """Answer one question (with optional conversation history)."""
        started = time.perf_counter()
        prepared = self._prepare(question, audience, history)
        if isinstance(prepared, Answer):
            answer = prepared
        else:
            answer = self._answer(prepared, audience=audience, plain=plain, language=language)
            answer = self._with_safety(answer, prepared.safety)
        answer.id = qid
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        self._audit(answer, audience)
        return answer

    def _prepare(
        self, question: str, audience: str, history: list[dict[str, str]] | None
    ) -> Answer | _Prepared:
        if audience not in ("parent", "caseworker", "trainer"):
            raise InputError(
                "audience", f"parent / caseworker / trainer のいずれかにしてください: {audience!r}"
            )
        text = normalise_text(question or "")
        if not text:
            raise InputError("question", "質問が空です")
        if len(text) > MAX_QUESTION_CHARS:
            raise InputError("question", f"質問が長すぎます（{len(text)}文字、上限{MAX_QUESTION_CHARS}文字）")
        # Safety first, on the raw words, before anything else can go wrong.
        decision = route(text, self.contacts, self.assessor)
        if decision is not None and decision.mode != "note":
            return self._routed(text, decision, audience)
        public = self.contacts.numbers()
        masked = mask(text, public_numbers=public)
        # Earlier turns join the question, so they are masked the same way before they go anywhere.
        past = [
            {**m, "content": mask(m.get("content", ""), public_numbers=public).text} for m in history or []
        ]
        standalone = self.rewrite(masked.text, past)
        scope = self.scope.read(masked.text) if self.scope is not None else None
        return _Prepared(
            question=text, masked=masked, standalone=spell_out_kana(standalone), safety=decision, scope=scope
        )  # fmt: skip

    def _routed(self, question: str, decision: RouteDecision, audience: str) -> Answer:
        escalation = (
            Escalation(reason=decision.reason, contacts=list(decision.contacts))
            if decision.contacts
            else None
        )
        answer = Answer(
            question=question, mode="refuse" if decision.mode == "refuse" else "escalate",
            answer=decision.message, escalation=escalation, engine="router", notes=[f"route:{decision.category}", *decision.signals],
        )  # fmt: skip
        if decision.category == "refuse_injection":
            # An instruction planted in a question is ignored; the legitimate part is still answered.
            kept = [
                s for s in split_segments(question)[1:] if s != decision.segment and not detect_injection(s)
            ]
            rest = "".join(kept)
            again = route(rest, self.contacts, self.assessor) if len(rest) >= 8 else decision
            if again is None or again.mode == "note":
                follow = self._prepare(rest, audience, None)
                if not isinstance(follow, Answer):
                    ignored = self._answer(follow, audience=audience, plain=False, language="ja")
                    ignored.question = question
                    ignored.notes.append("instruction_ignored")
                    return ignored
            return answer
        rest = question.replace(decision.segment, " ").strip() if decision.segment else ""
        if decision.mode == "escalate" and len(rest) >= 8:
            # The alarm was one sentence of a longer message: the lines come first, then the rest is answered.
            follow = self._prepare(rest, audience, None)
            if not isinstance(follow, Answer) and follow.safety is None:
                extra = self._answer(follow, audience=audience, plain=False, language="ja")
                if extra.mode == "answer":
                    answer.answer = f"{answer.answer}\n\n{extra.answer}"
                    answer.citations = extra.citations
                    answer.retrieved = extra.retrieved
                    answer.notes.append("answered_rest")
        return answer

    @staticmethod
    def _with_safety(answer: Answer, decision: RouteDecision | None) -> Answer:
        """A gray-zone message keeps its answer (or abstention) with the safety lines shown first."""
        if decision is None:
            return answer
        answer.answer = f"{decision.message}\n\n{answer.answer}"
        answer.escalation = Escalation(reason=decision.reason, contacts=list(decision.contacts))
        answer.notes = [*answer.notes, f"safety_note:{decision.category}"]
        return answer

    @staticmethod
    def rewrite(question: str, history: list[dict[str, str]]) -> str:
        """Make a follow-up standalone by prefixing the previous question's topic (deterministic, no LLM)."""
        previous = [m["content"] for m in history if m.get("role") == "user" and m.get("content")]
        if not previous:
            return question
        if _FOLLOW_UP.match(question) or len(question) <= 15:
            # Only the earlier topic (its nouns) carries over: the new question's own ask must decide the answer.
            return f"{topic(normalise_text(previous[-1]))} {question}"
        return question

    def retrieve(self, query: str, audience: str) -> list[Hit]:
        """Hits for the question; superseded rules are moved behind current ones unless history is asked."""
        filters = Filters(audience=audience, municipality=self.municipality)
        hits = self.retriever.search(query, k=self.k, filters=filters)
        if _ASKS_HISTORY.search(query) or self._asks_before(query, hits):
            return hits
        today = self.today.isoformat()
        current = [
            h for h in hits if not (h.metadata.get("effective_to") and h.metadata["effective_to"] < today)
        ]
        return current + [h for h in hits if h not in current]

    @staticmethod
    def _asks_before(query: str, hits: list[Hit]) -> bool:
        """The question names a month (西暦 or 和暦) before a retrieved rule was superseded: the old rule is asked."""
        ends = [str(h.metadata["effective_to"]) for h in hits if h.metadata.get("effective_to")]
        if not ends:
            return False
        named = [(int(y), int(m or 1)) for y, m in _WESTERN_MONTH.findall(query)]
        if (wareki := parse_wareki(query)) is not None:
            named.append((wareki[0], wareki[1] or 1))
        return any(f"{y:04d}-{m:02d}-01" < max(ends) for y, m in named)

    def evidence_strength(self, query: str, hits: list[Hit]) -> tuple[float, float]:
        """(best dense similarity, share of query words found in the top hits)."""
        dense = self.retriever.dense(query, 1, Filters(municipality=self.municipality))
        best = dense[0][1] if dense else 0.0
        terms = content_terms(query)
        found = set()
        for hit in hits[:3]:
            found |= terms & set(index_terms(hit.title + hit.heading + hit.text))
        return best, (len(found) / len(terms) if terms else 0.0)

    def _plan(self, p: _Prepared, *, audience: str, plain: bool, language: str) -> Answer | _Plan:
        """Rules and retrieval: either a finished answer (ask for input, abstain) or an engine request."""
        rule = apply_rules(p.standalone, today=self.today, municipality=self.municipality or "midori")
        asking = rule if rule is not None and rule.status == "needs_input" else None
        if asking is not None:
            rule = None  # answer the general rule from the documents, then ask for the missing input
        hits = self.retrieve(p.standalone, audience)
        # Cards answer for the extractive engine; an LLM engine composes from the documents themselves.
        if rule is None and asking is None and self.engine is self.fallback:
            carded = self._card_answer(p, audience=audience, plain=plain, language=language, hits=hits)
            if carded is not None:
                return carded
        rule_hits = self._rule_hits(rule, hits)
        best, overlap = self.evidence_strength(p.standalone, hits)
        if rule is None and (
            not hits or best < self.thresholds.min_dense or overlap < self.thresholds.min_overlap
        ):
            if asking is not None:
                return Answer(question=p.question, mode="answer", answer=asking.text, engine="rules",
                              rule_results=[asking.model_dump(mode="json")], notes=["needs_input"])  # fmt: skip
            return self._abstain(p.question, hits, note=f"evidence: dense={best:.3f} overlap={overlap:.2f}")
        pool = hits + [h for h in rule_hits if h not in hits]
        request = EngineRequest(
            question=p.standalone, hits=self._for_engine(pool), audience=audience, plain=plain, language=language,
            rule_text=rule.text if rule else "", rule_citations=[h.chunk_id for h in rule_hits],
        )  # fmt: skip
        return _Plan(prepared=p, request=request, rule=rule, asking=asking, pool=pool)

    def _card_answer(
        self, p: _Prepared, *, audience: str, plain: bool, language: str, hits: list[Hit] | None = None
    ) -> Answer | None:
        """The best card of the documents retrieval found, when its question matches (see fit_match_threshold)."""
        hits = hits if hits is not None else self.retrieve(p.standalone, audience)
        # Two independent signals must agree: the card's document is among the best documents for the question.
        docs = list(dict.fromkeys(h.doc_id for h in hits))[:3]
        matches = self.retriever.match_cards(
            p.standalone, audience=audience, municipality=self.municipality, k=2, doc_ids=docs
        )
        if not matches or matches[0].similarity < self.retriever.cards().threshold:
            return None
        card = matches[0].card
        found = [(h, c.quote) for c in card.citations if (h := self.retriever.find_quote(c.doc_id, c.quote))]
        if not found:
            return None
        cited = [h for h, _ in found]
        english = language == "en" or is_latin(p.question)
        text = (
            card.en.answer
            if english and card.en
            else card.easy.answer
            if plain and card.easy
            else card.answer
        )
        text = text.strip() + "".join(f"[{i + 1}]" for i in range(len(cited)))
        if card.ask and not english and len(text) + len(card.ask) <= 200:
            text += f"\n個別のことは、{card.ask}にお問い合わせください。"
        answer = Answer(
            question=p.question, mode="answer", answer=self._redact(text, p.masked), engine=self.fallback.name,
            citations=self._citations([(h.chunk_id, q) for h, q in found], cited),
            notes=[f"card:{card.card_id} sim={matches[0].similarity:.3f}"],
        )  # fmt: skip
        answer.retrieved = cited
        return answer

    def _refer(self, p: _Prepared, label: str, audience: str, plain: bool, language: str) -> Answer:
        """Another office's question (or a request for a person): where to go, with a referral page if one fits."""
        entry = referrals()[label]
        numbers = {key: self.contacts[key].number for key in self.contacts}
        text = Template(entry["text"]).safe_substitute(numbers)
        contacts = self.contacts.pick(list(entry.get("contacts", [])))
        mode: Mode = "answer" if label in ("handoff", "chitchat") else "abstain"
        answer = Answer(
            question=p.question, mode=mode, answer=text, engine=self.fallback.name, notes=[f"scope:{label}"],
            escalation=Escalation(reason=entry["reason"], contacts=contacts) if contacts else None,
        )  # fmt: skip
        if label in ("out_other", "handoff", "chitchat"):
            return answer
        carded = self._card_answer(p, audience=audience, plain=plain, language=language)
        if carded is not None and carded.citations:
            # A referral page says what the benefit is and who handles it: quote it under the referral.
            answer.answer = f"{text}\n{carded.answer}"
            answer.citations = carded.citations
            answer.retrieved = carded.retrieved
            answer.notes.extend(carded.notes)
        return answer

    def _answer(self, p: _Prepared, *, audience: str, plain: bool, language: str) -> Answer:
        """Answer each question of the message in order (most messages ask one)."""
        parts = self.splitter.split(p.masked.text) if self.splitter is not None else []
        if len(parts) < 2:
            return self._answer_one(p, audience=audience, plain=plain, language=language)
        answers = []
        for part in parts:
            scope = self.scope.read(part.text) if self.scope is not None else None
            one = replace(p, standalone=spell_out_kana(part.query), scope=scope)
            answers.append(self._answer_one(one, audience=audience, plain=plain, language=language))
        return join_answers(p.question, answers)

    def _answer_one(self, p: _Prepared, *, audience: str, plain: bool, language: str) -> Answer:
        if p.scope is not None and p.scope.label in (*OUT_OF_SCOPE, "handoff", "chitchat"):
            return self._refer(p, p.scope.label, audience, plain, language)
        if p.scope is not None and p.scope.label == "local_detail":
            carded = self._card_answer(p, audience=audience, plain=plain, language=language)
            return carded or self._refer(p, "local_detail", audience, plain, language)
        plan = self._plan(p, audience=audience, plain=plain, language=language)
        if isinstance(plan, Answer):
            return plan
        text, cited, engine_name, notes = self._generate(plan.request, plan.rule)
        return self._finish(plan, text, cited, engine_name, notes)

    def _finish(
        self, plan: _Plan, text: str, cited: list[tuple[str, str]], engine_name: str, notes: list[str]
    ) -> Answer:
        rule = plan.rule or plan.asking
        escalation = None
        scope = plan.prepared.scope
        if scope is not None and scope.label == "individual" and plan.rule is None:
            # Explain the rule, but the decision itself belongs to a person (デジタル庁 guidebook).
            text = f"{REFERRAL}\n{text}"
            notes = [*notes, "refer_to_person"]
            window = self.contacts.pick(["municipality"])
            escalation = Escalation(reason="人の判断が必要な依頼のため", contacts=window) if window else None
        if plan.asking is not None:
            text = f"{text}\n{plan.asking.text.replace('教えてください', '教えていただければ計算します')}"
            notes = [*notes, "needs_input"]
        answer = Answer(
            question=plan.prepared.question, mode="answer", answer=self._redact(text, plan.prepared.masked),
            citations=self._citations(cited, plan.pool), engine=engine_name,
            rule_results=[rule.model_dump(mode="json")] if rule else [], notes=notes, escalation=escalation,
        )  # fmt: skip
        answer.retrieved = plan.pool
        return answer

    def _generate(
        self, request: EngineRequest, rule: RuleOutcome | None, *, attempts: int = 2
    ) -> tuple[str, list[tuple[str, str]], str, list[str]]:
        """Run the engine, check grounding, retry once, then fall back to extractive."""
        notes: list[str] = []
        engine = self.engine
        rule_text = _rule_evidence(rule)
        for attempt in range(attempts if engine is not self.fallback else 1):
            try:
                draft = engine.generate(request)
            except EngineError as exc:
                notes.append(f"engine_error: {exc}")
                break
            grounding = self._check(draft, request, rule_text)
            if grounding.ok and (draft.cited or engine is self.fallback):
                return draft.text, draft.cited, engine.name, notes
            reason = f"ungrounded numbers {grounding.ungrounded}" if not grounding.ok else "no citations"
            notes.append(f"grounding_failed(attempt {attempt + 1}): {reason}")
            request.feedback = self._feedback(grounding)
        request.feedback = ""
        draft = self.fallback.generate(request)
        if engine is not self.fallback:
            notes.append("fallback: extractive")
        return draft.text, draft.cited, self.fallback.name, notes

    @staticmethod
    def _feedback(grounding: GroundingResult) -> str:
        """What the engine is told when its draft is sent back."""
        return (
            f"前の回答には資料にない数字 {', '.join(grounding.ungrounded)} が含まれていたか、資料番号がありませんでした。"
            "資料と計算結果にある数字だけを使い、各文に [番号] を付けて答え直してください。"
        )

    @staticmethod
    def _check(draft: Draft, request: EngineRequest, rule_text: str) -> GroundingResult:
        """Numbers of the draft against its cited chunks, the rule result and the question."""
        evidence = [h.text for h in request.hits if h.chunk_id in {c for c, _ in draft.cited}]
        return check_grounding(draft.text, [*evidence, rule_text, request.question])

    def _redact(self, text: str, masked: Masked) -> str:
        """Hide personal data quoted from documents; put back only what the user typed themselves."""
        own = list(masked.mapping)
        # Shield the user's placeholders so a new placeholder with the same number cannot clash with them.
        for i, placeholder in enumerate(own):
            text = text.replace(placeholder, f"\ue000{i}\ue001")
        found = mask(text, public_numbers=self.contacts.numbers())
        text = found.text
        for placeholder in found.mapping:
            text = text.replace(placeholder, "〔個人情報〕")
        for i, placeholder in enumerate(own):
            text = text.replace(f"\ue000{i}\ue001", placeholder)
        return masked.unmask(text)

    def _for_engine(self, hits: list[Hit]) -> list[Hit]:
        """Hits as the engine may see them: personal data in documents never reaches a remote model."""
        if not self.engine.remote:
            return hits
        public = self.contacts.numbers()
        return [h.model_copy(update={"text": mask(h.text, public_numbers=public).text}) for h in hits]

    def _rule_hits(self, rule: RuleOutcome | None, hits: list[Hit]) -> list[Hit]:
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

    def _citations(self, cited: list[tuple[str, str]], pool: list[Hit]) -> list[Citation]:
        by_id = {h.chunk_id: h for h in pool}
        out = []
        for chunk_id, quote in cited:
            hit = by_id[chunk_id]  # engines may only cite what was retrieved for this question
            if not quote or quote not in hit.text:  # e.g. chosen from a masked copy
                quote = (split_sentences(hit.text) or [hit.text])[0]
            out.append(
                Citation(
                    doc_id=hit.doc_id, title=hit.title, source=hit.source, chunk_id=chunk_id, quote=quote
                )
            )
        return out

    def _abstain(self, question: str, hits: list[Hit], *, note: str) -> Answer:
        window = self.contacts.pick(["municipality"]) if "municipality" in self.contacts else []
        text = (
            "ご質問にお答えできる内容が、登録されている資料の中に見つかりませんでした。"
            "年度ごとの選考の点数や空き状況、個別のご家庭の金額など、地域やご家庭ごとの事情は、"
            "お住まいの市区町村の子育て・保育の担当窓口にお問い合わせください。"
        )
        answer = Answer(
            question=question, mode="abstain", answer=text, engine="extractive",
            escalation=Escalation(reason="資料に根拠がないため", contacts=window) if window else None,
            notes=[note],
        )  # fmt: skip
        answer.retrieved = hits
        return answer

    def _audit(self, answer: Answer, audience: str) -> None:
        audit.info(
            "consult",
            extra={
                "question": mask(answer.question, public_numbers=self.contacts.numbers()).text, "mode": answer.mode, "engine": answer.engine,
                "audience": audience, "latency_ms": answer.latency_ms,
                "sources": [c.doc_id for c in answer.citations],
            },
        )  # fmt: skip

    # -- streaming ----------------------------------------------------------------------------
    def ask_stream(
        self, question: str, *, audience: str = "parent", history: list[dict[str, str]] | None = None,
        plain: bool = False, language: str = "ja",
    ) -> Iterator[dict[str, Any]]:  # fmt: skip
        """Events: {"type": "delta", "text"} as the engine writes, then {"type": "final", "answer"}.

        The final answer is the checked one: if the streamed draft fails the grounding check, the final
        event carries the extractive fallback and says so in its notes (clients replace the text).
        """
        started = time.perf_counter()
        prepared = self._prepare(question, audience, history)
        plan = (
            prepared
            if isinstance(prepared, Answer)
            else self._plan(prepared, audience=audience, plain=plain, language=language)
        )
        safety = None if isinstance(prepared, Answer) else prepared.safety
        if safety is not None:  # the gray-zone lines come before anything else is streamed
            yield {"type": "delta", "text": f"{safety.message}\n\n"}
        if isinstance(plan, Answer):
            answer = plan
            yield {"type": "delta", "text": answer.answer}
        elif self.engine is self.fallback:
            answer = self._finish(plan, *self._generate(plan.request, plan.rule))
            # Pieces end after each citation mark or line break, and join back to the exact answer.
            for piece in re.split(r"(?<=\n)|(?<=\])(?!\[)", answer.answer):
                if piece:
                    yield {"type": "delta", "text": piece}
        else:
            pieces: list[str] = []
            errors: list[str] = []
            try:
                for piece in self.engine.stream(plan.request):
                    pieces.append(piece)
                    yield {"type": "delta", "text": piece}
            except EngineError as exc:
                errors.append(f"engine_error: {exc}")
            draft = OpenAIEngine.draft("".join(pieces), plan.request)
            grounding = self._check(draft, plan.request, _rule_evidence(plan.rule))
            if pieces and not errors and draft.cited and grounding.ok:
                answer = self._finish(plan, draft.text, draft.cited, self.engine.name, errors)
            else:
                if pieces and not errors:  # a complete draft failed the check: say why, as ask() does
                    reason = (
                        f"ungrounded numbers {grounding.ungrounded}" if not grounding.ok else "no citations"
                    )
                    errors.append(f"grounding_failed(attempt 1): {reason}")
                    plan.request.feedback = self._feedback(grounding)
                # The streamed draft was attempt one: regenerate once (not after an engine error), then fall back.
                attempts = 0 if any(e.startswith("engine_error") for e in errors) else 1
                text, cited, name, more = self._generate(plan.request, plan.rule, attempts=attempts)
                answer = self._finish(plan, text, cited, name, [*errors, "stream_replaced", *more])
        if plan is not prepared:  # a routed answer is final as it is
            answer = self._with_safety(answer, safety)
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        self._audit(answer, audience)
        yield {"type": "final", "answer": answer.model_dump(mode="json")}


def _shift_marks(text: str, offset: int) -> str:
    """Renumber [n] citation marks by `offset`."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", text)


def join_answers(question: str, answers: list[Answer]) -> Answer:
    """One answer for a message of several questions: each part numbered, its [n] marks renumbered."""
    useful = [a for a in answers if a.mode == "answer"] or answers[:1]
    lines: list[str] = []
    citations: list[Citation] = []
    for n, part in enumerate(useful, 1):
        offset = len(citations)
        text = _shift_marks(part.answer, offset)
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


@lru_cache(maxsize=1)
def referrals() -> dict[str, dict[str, Any]]:
    """Replies for questions that belong elsewhere, by scope label (safety/referrals.yaml)."""
    data: dict[str, dict[str, Any]] = yaml.safe_load(_REFERRALS.read_text(encoding="utf-8"))
    return data


def _rule_evidence(rule: RuleOutcome | None) -> str:
    """A rule result's text and steps: numbers stated there count as grounded."""
    return f"{rule.text} {' '.join(rule.steps)}" if rule else ""


def municipality_name(municipality: str) -> str:
    """The Japanese name of a configured municipality (みどり市 for "midori"), or "" when it has no tables."""
    try:
        return str(load_municipality(municipality).name)
    except InputError:  # a municipality without rule tables still gets national answers
        return ""


@dataclass
class _Prepared:
    question: str
    masked: Masked
    standalone: str
    safety: RouteDecision | None = None  # a gray-zone note to show above the answer
    scope: ScopeDecision | None = None  # another office's question, one's own case, a person asked for …


@dataclass
class _Plan:
    prepared: _Prepared
    request: EngineRequest
    rule: RuleOutcome | None
    asking: RuleOutcome | None = None  # a calculation that needs one more input from the user
    pool: list[Hit] = field(
        default_factory=list
    )  # the retrieved hits as stored (the request may hold masked copies)
