"""Deterministic safety layer (no LLM): emergency/abuse routing, PII masking and injection checks."""

from kodomo_ai.safety.contacts import ContactBook, load_contacts
from kodomo_ai.safety.injection import detect_injection, neutralise
from kodomo_ai.safety.pii import Masked, mask, unmask
from kodomo_ai.safety.router import RouteDecision, route

__all__ = [
    "ContactBook",
    "Masked",
    "RouteDecision",
    "detect_injection",
    "load_contacts",
    "mask",
    "neutralise",
    "route",
    "unmask",
]
