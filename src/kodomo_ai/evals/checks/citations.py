"""Citations: cited chunks were retrieved and hold the quote; expected sources cited; numbers grounded."""

from __future__ import annotations

import json
import re
from typing import Any

from kodomo_ai.evals.checks.result import CheckResult
from kodomo_ai.evals.normalize import normalize, numbers_in
from kodomo_ai.schema import Answer

# A quote may skip text with an ellipsis; each piece must still occur in the chunk.
_ELLIPSIS = re.compile(r"…+|\.{3,}|‥+")
# Source markers such as [1] or ［2］ are references, not figures in the answer.
_MARKER = re.compile(r"[\[［]\s*\d+\s*[\]］]")


def retrieved_hits(answer: Answer) -> list[Any] | None:
    """Return the chunks retrieved for this answer, or None when the answer does not carry them."""
    hits = getattr(answer, "retrieved", None)
    return list(hits) if hits is not None else None


def retrieved_doc_ids(answer: Answer) -> list[str]:
    """Return the retrieved doc ids in rank order without repeats."""
    return list(dict.fromkeys(h.doc_id for h in retrieved_hits(answer) or []))


def quote_in(quote: str, text: str) -> bool:
    """Tell whether every piece of `quote` (split at ellipses) occurs in `text` after normalisation."""
    target = normalize(text)
    pieces = [normalize(p) for p in _ELLIPSIS.split(quote)]
    pieces = [p for p in pieces if p]
    return bool(pieces) and all(p in target for p in pieces)


def check_citations_valid(answer: Answer) -> CheckResult:
    """Pass when every citation names a retrieved chunk whose text contains the quoted passage."""
    if not answer.citations:
        return CheckResult(True, "引用なし（検証対象なし）")
    hits = retrieved_hits(answer)
    if hits is None:
        return CheckResult(False, "回答に検索結果（retrieved）が含まれず、引用を検証できない")
    by_id = {h.chunk_id: h for h in hits}
    problems: list[str] = []
    for cite in answer.citations:
        hit = by_id.get(cite.chunk_id)
        if hit is None:
            problems.append(f"{cite.doc_id}/{cite.chunk_id}: 検索されていないチャンクを引用")
        elif hit.doc_id != cite.doc_id:
            problems.append(f"{cite.chunk_id}: doc_id が不一致（{cite.doc_id} ≠ {hit.doc_id}）")
        elif not quote_in(cite.quote, hit.text):
            problems.append(f"{cite.doc_id}/{cite.chunk_id}: 引用文がチャンクにない「{cite.quote[:60]}」")
    if problems:
        return CheckResult(False, "; ".join(problems))
    return CheckResult(True, f"{len(answer.citations)} 件の引用がすべて検索結果と一致")


def check_has_citations(answer: Answer) -> CheckResult:
    """Pass when an answer (mode answer) cites at least one source."""
    if answer.mode != "answer":
        return CheckResult(True, f"mode={answer.mode}（出典不要）")
    if answer.citations:
        docs = ", ".join(dict.fromkeys(c.doc_id for c in answer.citations))
        return CheckResult(True, f"出典: {docs}")
    return CheckResult(False, "回答に出典がない")


def check_cited_docs(answer: Answer, cite: list[list[str]]) -> CheckResult:
    """Pass when, for each group of doc ids, one of them is cited."""
    cited = {c.doc_id for c in answer.citations}
    missing = [" / ".join(group) for group in cite if not cited.intersection(group)]
    shown = ", ".join(sorted(cited)) or "なし"
    if missing:
        return CheckResult(False, f"期待した出典が引用されていない: {'; '.join(missing)}（引用: {shown}）")
    return CheckResult(True, f"期待した出典を引用（引用: {shown}）")


def check_numbers_grounded(answer: Answer, question: str = "") -> CheckResult:
    """Pass when every number in the answer occurs in a cited chunk, a rule result or the question."""
    numbers = set(numbers_in(_MARKER.sub("", answer.answer)))
    if not numbers:
        return CheckResult(True, "数値なし")
    hits = {h.chunk_id: h for h in retrieved_hits(answer) or []}
    evidence: list[str] = [question]
    for cite in answer.citations:
        evidence.append(cite.quote)
        if cite.chunk_id in hits:
            evidence.append(hits[cite.chunk_id].text)
    evidence.append(json.dumps(answer.rule_results, ensure_ascii=False))
    grounded = {n for text in evidence for n in numbers_in(text)}
    missing = sorted(n for n in numbers if n not in grounded)
    if missing:
        return CheckResult(False, "根拠のない数値: " + ", ".join(missing))
    return CheckResult(True, f"{len(numbers)} 個の数値がすべて引用元・計算結果にある")
