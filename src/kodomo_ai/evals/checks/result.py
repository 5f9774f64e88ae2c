"""The value every check returns."""

from __future__ import annotations

from typing import NamedTuple


class CheckResult(NamedTuple):
    """Whether a check passed, and the evidence shown in the report."""

    passed: bool
    detail: str
