"""Requests for an administrative or professional decision, which a person must make (デジタル庁 guidebook)."""

from __future__ import annotations

import re

from kodomo_ai.text.fold import normalise

# "decide / judge / approve this for me": the system explains the rule but does not decide.
_ASKS_DECISION = re.compile(
    r"(決めて|決定して|判定して|判断して|認定して|許可(を|して)|認めるかどうか|認めてもらえ|決まりましたか|決まった\?"
    r"|ここで(決|判|認|許)|このチャットで(決|判|認)|システムで(決|判)|あなたが(決|判)|最終的に(判|決))"
)
REFERRAL = (
    "給付や認定、入所、減免などの決定や、虐待・事故の判断は、法令に基づいて市区町村などの担当者が行うもので、"
    "このシステムでは決められません。個別のことは、お住まいの市区町村の担当窓口にご相談ください。"
)


def asks_for_decision(text: str) -> bool:
    """True when the user asks the system itself to make a decision about a case."""
    return _ASKS_DECISION.search(normalise(text)) is not None
