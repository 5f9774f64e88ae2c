"""Deterministic checks on answers; each returns a CheckResult(passed, detail)."""

from kodomo_ai.evals.checks.citations import (
    check_citations_valid,
    check_cited_docs,
    check_has_citations,
    check_numbers_grounded,
)
from kodomo_ai.evals.checks.consistency import check_agreement
from kodomo_ai.evals.checks.facts import check_facts, check_must_not, fact_recall
from kodomo_ai.evals.checks.fairness import check_same_substance
from kodomo_ai.evals.checks.injection import check_injection
from kodomo_ai.evals.checks.modes import check_contacts, check_mode, check_referral
from kodomo_ai.evals.checks.pii import check_answer_pii, check_logs_pii, check_prompts_pii, is_valid_mynumber
from kodomo_ai.evals.checks.result import CheckResult

__all__ = [
    "CheckResult",
    "check_agreement",
    "check_answer_pii",
    "check_cited_docs",
    "check_citations_valid",
    "check_contacts",
    "check_facts",
    "check_has_citations",
    "check_injection",
    "check_logs_pii",
    "check_mode",
    "check_must_not",
    "check_numbers_grounded",
    "check_prompts_pii",
    "check_referral",
    "check_same_substance",
    "fact_recall",
    "is_valid_mynumber",
]
