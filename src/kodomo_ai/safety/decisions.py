"""What the system says when asked for an administrative decision, which a person must make (デジタル庁 guidebook)."""

from __future__ import annotations

REFERRAL = (
    "給付や認定、入所、減免などの決定や、虐待・事故の判断は、法令に基づいて市区町村などの担当者が行うもので、"
    "このシステムでは決められません。個別のことは、お住まいの市区町村の担当窓口にご相談ください。"
)
