"""利用調整の指数: each parent's 基本指数 from the municipality's table plus the household's 調整指数."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kodomo_ai.errors import InputError
from kodomo_ai.rules.explanation import Explained, Trace, hours
from kodomo_ai.rules.inputs import REASON_LABELS, SEVERITY_LABELS, ParentSituation, StrictInput, parse_input
from kodomo_ai.rules.tables import HourBand, MunicipalTables, load_municipality


class Household(StrictInput):
    """Both parents' situations (use reason "absent" for a missing parent), adjustments and tax."""

    parents: list[ParentSituation] = Field(min_length=2, max_length=2)
    adjustments: list[str] = Field(default_factory=list)
    income_tax_amount: int | None = Field(default=None, ge=0)


class ParentPoints(BaseModel):
    """One parent's 基本指数 and what it was based on."""

    label: str
    reason: str
    points: int
    basis: str


class AdjustmentPoints(BaseModel):
    """One applied 調整指数 item."""

    key: str
    label: str
    points: int


class IndexResult(Explained):
    """The household's index: 基本指数 per parent, 調整指数, total."""

    municipality: str
    basic: list[ParentPoints]
    basic_total: int
    adjustments: list[AdjustmentPoints]
    adjustment_total: int
    total: int
    single_parent: bool
    sibling_enrolled: bool


def _band_points(bands: list[HourBand], monthly: float) -> tuple[int, str]:
    for band in bands:
        if monthly >= band.min_hours:
            return band.points, f"月{hours(band.min_hours)}以上"
    lowest = min(b.min_hours for b in bands)
    return 0, f"月{hours(lowest)}未満"


def parent_points(parent: ParentSituation, municipal: MunicipalTables, position: int) -> ParentPoints:
    """Return one parent's 基本指数 from the municipality's table."""
    table = municipal.allocation.basic_points
    label = parent.label or f"保護者{position + 1}"
    reason = parent.reason
    reason_label = REASON_LABELS[reason]
    if reason in ("work", "caregiving", "study"):
        monthly = parent.monthly_hours(municipal.certification.weeks_per_month)
        assert monthly is not None  # the input model requires the hours
        points, band = _band_points(getattr(table, reason), monthly)
        return ParentPoints(
            label=label, reason=reason, points=points, basis=f"{reason_label} 月{hours(monthly)}（{band}）"
        )
    if reason in ("illness", "disability"):
        levels: dict[str, int] = getattr(table, reason)
        if parent.severity is None or parent.severity not in levels:
            choices = " / ".join(levels)
            raise InputError(
                f"parents[{position}].severity", f"{reason_label}の程度を指定してください（{choices}）"
            )
        return ParentPoints(
            label=label,
            reason=reason,
            points=levels[parent.severity],
            basis=f"{reason_label}（{SEVERITY_LABELS[parent.severity]}）",
        )
    points = int(getattr(table, reason))
    return ParentPoints(label=label, reason=reason, points=points, basis=reason_label)


def compute_index(
    household: Household | dict, municipality: str = "midori", *, explain: bool = True
) -> IndexResult:
    """Compute the household's 利用調整 index: both parents' 基本指数 plus the applicable 調整指数."""
    request = parse_input(Household, household)
    municipal = load_municipality(municipality)
    trace = Trace(municipal)
    basic = [parent_points(p, municipal, i) for i, p in enumerate(request.parents)]
    basic_total = sum(p.points for p in basic)
    keys = list(dict.fromkeys(request.adjustments))
    single_parent = any(p.reason == "absent" for p in request.parents)
    if single_parent and "single_parent" not in keys and municipal.allocation.adjustment("single_parent"):
        keys.insert(0, "single_parent")
    applied = []
    for index, key in enumerate(keys):
        item = municipal.allocation.adjustment(key)
        if item is None:
            known = ", ".join(a.key for a in municipal.allocation.adjustments)
            raise InputError(
                f"adjustments[{index}]", f"調整指数の項目「{key}」はありません（使える項目: {known}）"
            )
        applied.append(AdjustmentPoints(key=item.key, label=item.label, points=item.points))
    adjustment_total = sum(a.points for a in applied)
    total = basic_total + adjustment_total
    if explain:
        for parent in basic:
            trace.step(
                f"{parent.label}: {parent.basis}で基本指数{parent.points}点です。",
                "index",
                "city:basic_points",
            )
        trace.step(f"基本指数の合計は{basic_total}点です。", "index", "city:basic_points")
        if applied:
            listed = "、".join(f"{a.label}（{a.points:+d}点）" for a in applied)
            trace.step(f"調整指数は{listed}で、計{adjustment_total:+d}点です。", "index", "city:adjustments")
        else:
            trace.step("あてはまる調整指数はありません。", "city:adjustments")
        trace.step(f"指数は{basic_total}点{adjustment_total:+d}点＝{total}点です。", "index")
    return IndexResult(
        municipality=municipal.municipality,
        basic=basic,
        basic_total=basic_total,
        adjustments=applied,
        adjustment_total=adjustment_total,
        total=total,
        single_parent=single_parent or "single_parent" in keys,
        sibling_enrolled="sibling_enrolled" in keys,
        steps=trace.steps,
        citations=trace.citations,
    )
