"""Stage 7, check: numbers grounded in the evidence, citations of retrieved chunks only, personal data hidden."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kodomo_ai.consult.mask import redact
from kodomo_ai.engines.base import Draft, EngineRequest
from kodomo_ai.grounding import GroundingResult, check_grounding
from kodomo_ai.ingest.chunking import split_sentences
from kodomo_ai.rules.tools import RuleOutcome
from kodomo_ai.safety.contacts import ContactBook
from kodomo_ai.schema import Answer, Citation, Hit

if TYPE_CHECKING:  # compose checks its drafts here, so the types go this way only
    from kodomo_ai.consult.compose import Composed
    from kodomo_ai.consult.plan import Plan


def grounding(draft: Draft, request: EngineRequest, rule: RuleOutcome | None) -> GroundingResult:
    """Numbers of the draft against its cited chunks, the rule result and the question."""
    evidence = [h.text for h in request.hits if h.chunk_id in {c for c, _ in draft.cited}]
    return check_grounding(draft.text, [*evidence, rule_evidence(rule), request.question])


def rule_evidence(rule: RuleOutcome | None) -> str:
    """A rule result's text and steps: numbers stated there count as grounded."""
    return f"{rule.text} {' '.join(rule.steps)}" if rule else ""


def failure(result: GroundingResult) -> str:
    """Why a draft was sent back, for the answer's notes."""
    return f"ungrounded numbers {result.ungrounded}" if not result.ok else "no citations"


def feedback(result: GroundingResult) -> str:
    """What the engine is told when its draft is sent back."""
    return (
        f"前の回答には資料にない数字 {', '.join(result.ungrounded)} が含まれていたか、資料番号がありませんでした。"
        "資料と計算結果にある数字だけを使い、各文に [番号] を付けて答え直してください。"
    )


def citations(cited: list[tuple[str, str]], pool: list[Hit]) -> list[Citation]:
    """Citations of the cited chunks, each quoting its chunk (engines may only cite what was retrieved)."""
    by_id = {h.chunk_id: h for h in pool}
    out = []
    for chunk_id, quote in cited:
        hit = by_id[chunk_id]  # a KeyError here is an engine citing a chunk it was not given
        if not quote or quote not in hit.text:  # e.g. chosen from a masked copy
            quote = (split_sentences(hit.text) or [hit.text])[0]
        out.append(
            Citation(doc_id=hit.doc_id, title=hit.title, source=hit.source, chunk_id=chunk_id, quote=quote)
        )
    return out


def check(plan: Plan, composed: Composed, contacts: ContactBook) -> Answer:
    """The answer as it leaves: personal data from documents hidden, citations checked against the pool."""
    rule = plan.rule or plan.asking
    # Quotes and the passages around them are shown under the answer, so they are redacted like the answer:
    # a document that should never have held a phone number or a name must not repeat it there either.
    pool = [h.model_copy(update={"text": redact(h.text, plan.masked, contacts)}) for h in composed.pool]
    cited = [(chunk_id, redact(quote, plan.masked, contacts)) for chunk_id, quote in composed.cited]
    answer = Answer(
        question=plan.message, mode="answer", answer=redact(composed.text, plan.masked, contacts),
        citations=citations(cited, pool), engine=composed.engine,
        rule_results=[rule.model_dump(mode="json")] if rule else [], notes=composed.notes,
        escalation=composed.escalation,
    )  # fmt: skip
    answer.retrieved = pool
    return answer
