"""The consultation pipeline: route → mask → understand → plan → retrieve → compose → check."""

from kodomo_ai.consult.compose import join_answers, referrals
from kodomo_ai.consult.pipeline import Consultant, municipality_name
from kodomo_ai.consult.plan import Thresholds

__all__ = ["Consultant", "Thresholds", "join_answers", "municipality_name", "referrals"]
