"""Drafting for caseworkers: notices, public announcements, FAQ entries and manual revisions, grounded and cited."""

from kodomo_ai.drafting.notice_types import ALL_TYPES, NOTICE_TYPES, field_help, notice_type
from kodomo_ai.drafting.notices import NoticeDraft, draft_notice
from kodomo_ai.drafting.style import Finding, StyleProfile, check_style

__all__ = [
    "ALL_TYPES", "NOTICE_TYPES", "Finding", "NoticeDraft", "StyleProfile", "check_style", "draft_notice",
    "field_help", "notice_type",
]  # fmt: skip
