"""Load the rule tables: national constants and one municipality's tables, from YAML in rules/data/."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from kodomo_ai.errors import InputError

DATA_DIR = Path(__file__).resolve().parent / "data"
_MUNICIPALITY_ID = re.compile(r"^[a-z][a-z0-9-]{1,40}$")


class TableModel(BaseModel):
    """Base of the table models: unknown keys are errors, so a YAML slip is caught on load."""

    model_config = ConfigDict(extra="forbid")


class Source(TableModel):
    """One public page a constant came from."""

    url: str
    publisher: str
    date: str


class CitationRef(TableModel):
    """A corpus document and `##` section that defines a rule."""

    doc_id: str
    heading: str = ""


class HourBand(TableModel):
    """A points band: `points` from `min_hours` a month upwards."""

    min_hours: float
    points: int


class CertificationConstants(TableModel):
    """National constants for 教育・保育給付認定."""

    effective_from: date
    sources: list[str]
    work_hours_lower_limit_range: dict[str, int]
    standard_hours_min_per_month: int
    max_hours_per_day: dict[str, int]
    education_hours_per_day: int


class FreeChildcareConstants(TableModel):
    """National caps of 無償化 and 施設等利用給付 (yen a month)."""

    effective_from: date
    sources: list[str]
    caps: dict[str, int]
    kindergarten_free_from_age3: bool
    kindergarten_unlicensed_uses_azukari_cap: bool


class FukushokuhiConstants(TableModel):
    """National 副食費 exemption lines."""

    effective_from: date
    sources: list[str]
    income_line: dict[str, int]
    third_child_count_until: dict[str, Literal["preschool", "grade3"]]


class NationalBracket(TableModel):
    """A national 階層 of 所得割額 (below = exclusive upper bound; None = no bound)."""

    level: str
    below: int | None


class HoikuryoConstants(TableModel):
    """National rules for 保育料 of 0-2 year olds."""

    effective_from: date
    sources: list[str]
    national_brackets: list[NationalBracket]
    tax_year_switch_month: int
    sibling_discount: dict[str, float]
    low_income_line: dict[str, int]
    single_parent_line: int


class AllowanceAmounts(TableModel):
    """Monthly 児童手当 amounts of one regime by age stage and birth order."""

    under3: dict[str, int]
    to_elementary: dict[str, int]
    junior_high: dict[str, int]
    special: int | None


class AllowanceRegime(TableModel):
    """One version of the 児童手当 rules with its effective dates."""

    id: str
    label: str
    effective_from: date
    effective_to: date | None
    sources: list[str]
    eligible_until_age: int
    count_until_age: int
    third_child_bonus_until_age: int
    amounts: AllowanceAmounts
    payment_months: list[int]
    months_per_payment: int
    upper_limit_from: date | None = None  # 所得上限限度額による不支給が始まった月（旧制度）


class ChildAllowanceConstants(TableModel):
    """National 児童手当 rules over time."""

    grace_days: int
    regimes: list[AllowanceRegime]

    def regime_for(self, month_start: date) -> AllowanceRegime:
        """Return the regime in force on `month_start`."""
        for regime in self.regimes:
            if regime.effective_from <= month_start and (
                regime.effective_to is None or month_start <= regime.effective_to
            ):
                return regime
        raise InputError(
            "as_of", f"{month_start.isoformat()} は児童手当の計算対象の期間外です（2012年4月以降）"
        )


class NationalTables(TableModel):
    """Every national constant the rules use."""

    sources: dict[str, Source]
    certification: CertificationConstants
    free_childcare: FreeChildcareConstants
    fukushokuhi: FukushokuhiConstants
    hoikuryo: HoikuryoConstants
    child_allowance: ChildAllowanceConstants
    citations: dict[str, CitationRef]


class ReasonRule(TableModel):
    """How a municipality sets 保育必要量 for one reason."""

    need: Literal["standard", "short", "by_hours"]
    period: str


class MunicipalCertification(TableModel):
    """A municipality's certification settings."""

    work_hours_lower_limit: int = Field(ge=48, le=64)
    weeks_per_month: float
    standard_hours_min_per_month: int
    need_by_reason: dict[str, ReasonRule]
    hours_based_reasons_min_hours: int


class Adjustment(TableModel):
    """One 調整指数 item."""

    key: str
    label: str
    points: int


class TieBreaker(TableModel):
    """One tie-break criterion, applied in list order."""

    key: Literal["basic_total", "single_parent", "sibling_enrolled", "income_tax", "lottery"]
    label: str


class BasicPoints(TableModel):
    """基本指数 per parent situation."""

    work: list[HourBand]
    caregiving: list[HourBand]
    study: list[HourBand]
    pregnancy: int
    illness: dict[str, int]
    disability: dict[str, int]
    disaster: int
    job_seeking: int
    abuse_dv: int
    parental_leave: int
    absent: int
    home: int


class MunicipalAllocation(TableModel):
    """A municipality's 利用調整 tables."""

    basic_points: BasicPoints
    adjustments: list[Adjustment]
    tie_breakers: list[TieBreaker]

    def adjustment(self, key: str) -> Adjustment | None:
        """Return the adjustment item called `key`, if any."""
        return next((item for item in self.adjustments if item.key == key), None)


class FeeRow(TableModel):
    """One row of the 0-2 fee table."""

    level: str
    label: str
    kind: Literal["public_assistance", "tax_exempt", "taxed"] = "taxed"
    below: int | None = None
    standard: int
    short: int


class LocalTopup(TableModel):
    """A municipality's own relief on top of the national rules."""

    key: Literal["third_child_free", "second_child_fukushokuhi_free"]
    label: str


class MunicipalFees(TableModel):
    """A municipality's 保育料 tables."""

    basis: str
    under3: list[FeeRow]
    over3_monthly: int
    local_topups: list[LocalTopup] = Field(default_factory=list)

    def has_topup(self, key: str) -> bool:
        """Whether the local top-up `key` is in force."""
        return any(item.key == key for item in self.local_topups)


class DocumentMeta(TableModel):
    """A generated municipal corpus document."""

    doc_id: str
    title: str


class MunicipalTables(TableModel):
    """Every table of one municipality."""

    municipality: str
    name: str
    publisher: str
    fiscal_year: int
    effective_from: date
    published: date
    source: str
    documents: dict[str, DocumentMeta]
    citations: dict[str, CitationRef]
    certification: MunicipalCertification
    allocation: MunicipalAllocation
    fees: MunicipalFees


def _read_yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise InputError(path.name, "YAML の最上位が対応表（mapping）ではありません")
    return data


@lru_cache
def load_national() -> NationalTables:
    """Return the national constants (read once)."""
    return NationalTables.model_validate(_read_yaml(DATA_DIR / "national.yaml"))


def available_municipalities() -> list[str]:
    """List the municipality ids that have a table file."""
    return sorted(p.stem for p in DATA_DIR.glob("*.yaml") if p.stem != "national")


@lru_cache
def load_municipality(municipality: str = "midori") -> MunicipalTables:
    """Return one municipality's tables; an unknown id raises InputError('municipality')."""
    if not _MUNICIPALITY_ID.match(municipality) or municipality == "national":
        raise InputError("municipality", f"市町村ID「{municipality}」は使えません")
    path = DATA_DIR / f"{municipality}.yaml"
    if not path.exists():
        known = "、".join(available_municipalities())
        raise InputError("municipality", f"「{municipality}」の表がありません（あるもの: {known}）")
    return MunicipalTables.model_validate(_read_yaml(path))
