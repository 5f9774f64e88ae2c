"""Evaluation harness: guideline suites, deterministic checks, metrics, runs, reports and comparisons."""

from kodomo_ai.evals.compare import compare_runs, format_comparison
from kodomo_ai.evals.report import render_report, write_report
from kodomo_ai.evals.results import CaseResult, RunResult, load_results
from kodomo_ai.evals.runner import Runner
from kodomo_ai.evals.suite import (
    CRITERIA,
    Case,
    Expect,
    Suite,
    SuiteError,
    load_suite,
    load_suites,
    parse_suite,
)

__all__ = [
    "CRITERIA",
    "Case",
    "CaseResult",
    "Expect",
    "Runner",
    "RunResult",
    "Suite",
    "SuiteError",
    "compare_runs",
    "format_comparison",
    "load_results",
    "load_suite",
    "load_suites",
    "parse_suite",
    "render_report",
    "write_report",
]
