"""Personal fields stay local: drafts carry placeholders (〔氏名〕…), filled in on this machine afterwards."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kodomo_ai.drafting.dates import parse_date, wareki_date
from kodomo_ai.safety.pii import mask

# field name -> placeholder written in the draft; these values never go into a prompt.
PERSONAL_FIELDS: dict[str, str] = {
    "guardian_name": "〔氏名〕",
    "child_name": "〔児童名〕",
    "address": "〔住所〕",
    "postal_code": "〔郵便番号〕",
    "child_birth_date": "〔生年月日〕",
    "mynumber": "〔個人番号〕",
    "phone": "〔電話番号〕",
    "recipient_number": "〔受給者番号〕",
}
_DATE_FIELDS = {"child_birth_date"}
_LEFT = re.compile(r"〔(?:氏名|児童名|住所|郵便番号|生年月日|個人番号|電話番号|受給者番号)〕")


@dataclass
class PersonalValues:
    """The real values of the personal fields given, keyed by placeholder."""

    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> PersonalValues:
        """Pick the personal fields out of a request (birth dates shown as 和暦 without weekday)."""
        values = {}
        for name, placeholder in PERSONAL_FIELDS.items():
            raw = fields.get(name)
            if raw in (None, ""):
                continue
            if name in _DATE_FIELDS:
                raw = wareki_date(parse_date(raw, name), weekday=False)
            values[placeholder] = str(raw)
        return cls(values)

    def fill(self, text: str) -> str:
        """Replace each placeholder with its real value (unknown ones stay for hand filling)."""
        for placeholder, value in self.values.items():
            text = text.replace(placeholder, value)
        return text

    def secrets(self) -> list[str]:
        """The raw values, for checks that none leaked into a prompt."""
        return list(self.values.values())


def masked_free_text(text: str, personal: PersonalValues) -> str:
    """Free text for a prompt: known personal values become placeholders, then PII masking runs."""
    for placeholder, value in personal.values.items():
        if value:
            text = text.replace(value, placeholder)
    return mask(text).text


def unfilled_placeholders(text: str) -> list[str]:
    """Placeholders still in a filled draft (to be written by hand)."""
    return sorted(set(_LEFT.findall(text)))
