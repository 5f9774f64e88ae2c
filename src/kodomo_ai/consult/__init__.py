"""The consultation pipeline: route → mask → understand → plan → retrieve → compose → check."""

from kodomo_ai.consult.pipeline import Consultant, Thresholds, municipality_name

__all__ = ["Consultant", "Thresholds", "municipality_name"]
