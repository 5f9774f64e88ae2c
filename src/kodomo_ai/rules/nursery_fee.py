"""保育料 (利用者負担額) of a 0-2歳児クラス child from the municipality's table, with the sibling reductions.

The level comes from the parents' combined 市町村民税所得割額 (生活保護 and 非課税 households pay 0).
多子軽減 (national): counting from the eldest among 小学校就学前 siblings who use a 保育所 etc. at the
same time, the 2nd child pays half and the 3rd and later nothing; under 所得割 57,700円 all elder
siblings count whatever their age; a single-parent household under 77,101円 pays the 非課税 level (0)
for the 1st child and nothing for the others. Local top-ups (e.g. みどり市: every 第3子 free) apply last.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from kodomo_ai.errors import InputError
from kodomo_ai.rules import ages
from kodomo_ai.rules.explanation import Trace, yen
from kodomo_ai.rules.inputs import Sibling
from kodomo_ai.rules.tables import FeeRow, MunicipalTables, load_national

CareNeed = Literal["standard", "short"]


class FeeResult(BaseModel):
    """The monthly 保育料 of one 0-2歳児クラス child and how it was reached."""

    level: str
    level_label: str
    base_fee: int
    birth_order: int
    reduction: str
    monthly_fee: int


def fee_row(
    municipal: MunicipalTables, *, public_assistance: bool, tax_exempt: bool, income_tax_amount: int | None
) -> FeeRow:
    """Return the row of the 0-2 fee table for the household's tax status."""
    rows = municipal.fees.under3
    if public_assistance:
        return next(r for r in rows if r.kind == "public_assistance")
    if tax_exempt:
        return next(r for r in rows if r.kind == "tax_exempt")
    if income_tax_amount is None:
        raise InputError("income_tax_amount", "課税世帯の保育料には父母の市町村民税所得割額の合計が必要です")
    for row in rows:
        if row.kind == "taxed" and (row.below is None or income_tax_amount < row.below):
            return row
    raise InputError("income_tax_amount", "保育料表に該当する階層がありません")


def is_preschool(sibling: Sibling, on: date) -> bool:
    """Whether a sibling has not yet started 小学校 on `on` (age-only: 5歳以下)."""
    if sibling.birth_date is not None:
        return on < ages.school_entry_date(sibling.birth_date)
    assert sibling.age is not None
    return sibling.age <= 5


def birth_order(own_age_days: int, siblings: list[Sibling], on: date) -> int:
    """Return the child's place counting from the eldest among `siblings` plus the child."""
    return 1 + sum(1 for s in siblings if s.age_in_days(on) > own_age_days)


def under3_fee(
    municipal: MunicipalTables,
    trace: Trace,
    *,
    on: date,
    own_age_days: int,
    care_need: CareNeed,
    public_assistance: bool,
    tax_exempt: bool,
    income_tax_amount: int | None,
    siblings: list[Sibling],
    single_parent: bool,
) -> FeeResult:
    """Compute the monthly 保育料 of a 0-2歳児クラス child in a licensed facility."""
    national = load_national().hoikuryo
    row = fee_row(
        municipal,
        public_assistance=public_assistance,
        tax_exempt=tax_exempt,
        income_tax_amount=income_tax_amount,
    )
    base = row.standard if care_need == "standard" else row.short
    need_label = "保育標準時間" if care_need == "standard" else "保育短時間"
    trace.step(
        f"{municipal.name}の0〜2歳児クラスの保育料表で、{row.label}は{row.level}階層、{need_label}の月額は{yen(base)}です。",
        "hoikuryo_basis",
        "city:fee_table",
    )
    if row.kind == "taxed":
        which = "前年度" if month_uses_previous_tax_year(on, national.tax_year_switch_month) else "当年度"
        trace.step(
            f"{on.month}月分の保育料は{which}の市町村民税所得割額で決まります（4〜8月分は前年度、9〜3月分は当年度）。",
            "city:tax_year",
        )
    if base == 0:
        return FeeResult(
            level=row.level, level_label=row.label, base_fee=0, birth_order=1, reduction="なし", monthly_fee=0
        )
    low_income = income_tax_amount is not None and income_tax_amount < national.low_income_line["type2_3"]
    if single_parent and income_tax_amount is not None and income_tax_amount < national.single_parent_line:
        trace.step(
            f"ひとり親世帯等で所得割額が{yen(national.single_parent_line)}未満のため、第1子は非課税世帯と同じ0円、"
            "第2子以降も0円です。",
            "hoikuryo_low_income",
            "city:sibling",
        )
        return FeeResult(
            level=row.level,
            level_label=row.label,
            base_fee=base,
            birth_order=1,
            reduction="ひとり親世帯等の軽減",
            monthly_fee=0,
        )
    if low_income:
        counted = siblings
        scope = f"所得割額が{yen(national.low_income_line['type2_3'])}未満のため、きょうだいの年齢に関係なく"
        cite = "hoikuryo_low_income"
    else:
        counted = [s for s in siblings if s.attends_facility and is_preschool(s, on)]
        scope = "保育所などを同時に利用している小学校就学前のきょうだいの中で"
        cite = "hoikuryo_tashi"
    order = birth_order(own_age_days, counted, on)
    trace.step(f"{scope}年上から数えると、このお子さんは第{order}子です。", cite, "city:sibling")
    fee, reduction = base, "なし"
    if order == 2:
        fee, reduction = int(base * national.sibling_discount["second"]), "第2子半額"
    elif order >= 3:
        fee, reduction = int(base * national.sibling_discount["third_or_later"]), "第3子以降無料"
    if reduction != "なし":
        trace.step(f"多子軽減（{reduction}）で月額{yen(fee)}です。", cite)
    if fee > 0 and municipal.fees.has_topup("third_child_free"):
        all_order = birth_order(own_age_days, siblings, on)
        if all_order >= 3:
            fee, reduction = 0, f"{municipal.name}独自: 第3子以降無料"
            trace.step(
                f"{municipal.name}独自の軽減で、兄姉の年齢や所得にかかわらず第{all_order}子の保育料は0円です。",
                "city:local_topups",
            )
    return FeeResult(
        level=row.level,
        level_label=row.label,
        base_fee=base,
        birth_order=order,
        reduction=reduction,
        monthly_fee=fee,
    )


def month_uses_previous_tax_year(on: date, switch_month: int) -> bool:
    """Whether the fee for the month of `on` uses the previous year's tax (April to August)."""
    return 4 <= on.month < switch_month
