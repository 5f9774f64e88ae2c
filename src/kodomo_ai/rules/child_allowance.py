"""児童手当: monthly and per-payment amounts for a family under the rules in force, payment months, start month.

For each month the regime in force on its first day applies (旧制度 to September 2024, the current one
from October 2024). A child's status is judged on the first day of the month, so the 3歳未満 amount runs
through the month of the 3rd birthday (児童手当法6条: a child born on the 1st stays 3歳未満 while
「出生の日から三年を経過しない」, so the birthday month too). Under the old regime a household over the
所得上限限度額 got the 特例給付 until May 2022 and nothing from the June 2022 month. Children count as 第1子/第2子/第3子 from the eldest among those up to the regime's counting age
(18歳 / 22歳 到達後最初の3月31日; from 18 only when the parent bears their living costs); only children up
to the payment age (15歳 / 18歳 到達後最初の3月31日) are paid. Payment starts the month after the
application, or after the birth/move-in month if applied within 15 days of the day after it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from kodomo_ai.errors import InputError
from kodomo_ai.rules import ages
from kodomo_ai.rules.explanation import Explained, Trace, yen
from kodomo_ai.rules.inputs import IsoDate, StrictInput, parse_input
from kodomo_ai.rules.tables import AllowanceRegime, load_national

Stage = Literal["under3", "to_elementary", "junior_high", "over"]
STAGE_LABELS = {
    "under3": "3歳未満",
    "to_elementary": "3歳〜小学校修了前",
    "junior_high": "中学生",
    "over": "支給対象の年齢を過ぎている",
}
CURRENT_STAGE_LABELS = {**STAGE_LABELS, "to_elementary": "3歳〜高校生年代", "junior_high": "3歳〜高校生年代"}


class ChildEntry(StrictInput):
    """One child of the family: birth date (preferred) or age in years on the date asked about."""

    birth_date: IsoDate | None = None
    age: int | None = Field(default=None, ge=0, le=40)
    supported: bool = True  # the parent bears the living costs (counts 18〜22歳 as a sibling)
    label: str = ""

    @model_validator(mode="after")
    def _need_age(self) -> ChildEntry:
        if self.birth_date is None and self.age is None:
            raise ValueError("birth_date: birth_date か age のどちらかが必要です")
        return self


class ChildAllowanceInput(StrictInput):
    """A family's children, the date asked about, and optionally the event and application dates."""

    children: list[ChildEntry] = Field(min_length=1, max_length=20)
    as_of: IsoDate
    income_status: Literal["within_limit", "special", "over_upper_limit"] = "within_limit"
    event_date: IsoDate | None = None
    application_date: IsoDate | None = None


class ChildAmount(BaseModel):
    """One child's place in the count and monthly amount."""

    label: str
    age: int | None = None
    counted: bool
    birth_order: int | None = None
    eligible: bool
    stage: Stage
    monthly_amount: int
    note: str = ""


class Payment(BaseModel):
    """One payment: the month paid and the months it covers."""

    payment_month: str
    covers: list[str]
    amount: int


class ChildAllowanceResult(Explained):
    """The family's allowance for the month asked about, its payment, and the start month."""

    regime: str
    regime_label: str
    month: str
    children: list[ChildAmount]
    monthly_total: int
    payment: Payment
    payment_months: list[int]
    start_month: str | None = None
    summary: str


def last_under3_month(birth: date) -> date:
    """Return the last month paid at the 3歳未満 rate: the month of the 3rd birthday.

    児童手当法6条 treats a child born on the 1st of a month as 3歳未満 while 「出生の日から三年を経過しない」,
    so that child keeps the rate through the birthday month too (an age is otherwise reached on the
    day before the birthday, which for the 1st falls in the previous month).
    """
    if birth.day == 1:
        return ages.month_start(ages.attain_date(birth, 3) + timedelta(days=1))
    return ages.month_start(ages.attain_date(birth, 3))


def _month_key(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _month_label(day: date) -> str:
    return f"{day.year}年{day.month}月"


def _label(child: ChildEntry, index: int) -> str:
    return child.label or f"{index + 1}人目のお子さん"


def _status(
    child: ChildEntry, month: date, regime: AllowanceRegime, notes: list[str]
) -> tuple[bool, bool, Stage, int | None]:
    """Return (counted, eligible, stage, age) of a child on the first day of `month`."""
    if child.birth_date is not None:
        birth = child.birth_date
        if birth >= month:
            return False, False, "over", None
        age = ages.age_on(birth, month)
        within_pay = month <= ages.fiscal_year_end_after_attaining(birth, regime.eligible_until_age)
        within_count = month <= ages.fiscal_year_end_after_attaining(birth, regime.count_until_age)
        if month <= last_under3_month(birth):
            stage: Stage = "under3"
        elif month <= ages.fiscal_year_end_after_attaining(birth, 12):
            stage = "to_elementary"
        else:
            stage = "junior_high"
    else:
        assert child.age is not None
        age = child.age
        within_pay = age <= regime.eligible_until_age
        within_count = age <= regime.count_until_age
        if age == regime.eligible_until_age:
            notes.append(
                f"{age}歳の子は、{age}歳になった後の最初の3月31日までが支給対象です。ここでは対象として計算しました"
                "（生年月日がわかれば正確に判定できます）。"
            )
        if age == regime.count_until_age:
            notes.append(
                f"{age}歳の子は、{age}歳になった後の最初の3月31日まで数えます。ここでは数に入れました。"
            )
        stage = "under3" if age < 3 else "to_elementary" if age <= 12 else "junior_high"
        if age == 12 and regime.id == "kyu":
            notes.append("12歳の子は小学6年生として計算しました（中学生なら旧制度の第3子の額が変わります）。")
    if not within_pay:
        stage = "over"
    counted = within_count and (within_pay or child.supported)
    return counted, within_pay, stage, age


def _month_amounts(
    children: list[ChildEntry],
    month: date,
    regime: AllowanceRegime,
    income_status: str,
    start: date | None = None,
) -> tuple[list[ChildAmount], list[str]]:
    notes: list[str] = []
    statuses = [_status(c, month, regime, notes) for c in children]
    order_keys = []
    for index, (child, status) in enumerate(zip(children, statuses, strict=True)):
        if status[0]:
            days = (month - child.birth_date).days if child.birth_date else (child.age or 0) * 365 + 182
            order_keys.append((-days, index))
    order = {index: place + 1 for place, (_, index) in enumerate(sorted(order_keys))}
    rows = []
    for index, (child, (counted, eligible, stage, age)) in enumerate(zip(children, statuses, strict=True)):
        place = order.get(index)
        amount = 0
        if eligible and stage != "over" and (start is None or month >= start):
            over_upper = income_status == "over_upper_limit" and regime.amounts.special is not None
            if over_upper and regime.upper_limit_from is not None and month >= regime.upper_limit_from:
                amount = 0
            elif regime.amounts.special is not None and income_status in ("special", "over_upper_limit"):
                amount = regime.amounts.special
            else:
                table = getattr(regime.amounts, stage)
                third = place is not None and place >= 3
                amount = table["third_or_later" if third else "first_second"]
        note = ""
        if start is not None and month < start and eligible:
            note = "支給が始まる前の月です"
        elif counted and not eligible:
            note = "支給の対象年齢を過ぎていますが、第何子かを数えるときには入ります"
        elif not counted and child.birth_date is not None and child.birth_date >= month:
            note = "この月の初日にはまだ生まれていません"
        elif not counted:
            note = "数える範囲（年齢・生計費の負担）の外です"
        rows.append(
            ChildAmount(
                label=_label(child, index),
                age=age,
                counted=counted,
                birth_order=place,
                eligible=eligible,
                stage=stage,
                monthly_amount=amount,
                note=note,
            )
        )
    return rows, notes


def _payment_month(month: date, regime: AllowanceRegime) -> date:
    """Return the first day of the month in which the allowance for `month` is paid."""
    for ahead in range(1, 13):
        candidate = ages.add_months(month, ahead)
        if candidate.month in regime.payment_months and ahead <= regime.months_per_payment:
            return candidate
    raise AssertionError("payment months do not cover every month")


def _start_month(request: ChildAllowanceInput, trace: Trace) -> date | None:
    grace = load_national().child_allowance.grace_days
    applied = request.application_date
    if applied is None:
        return None
    event = request.event_date
    if event is not None:
        if applied < event:
            raise InputError("application_date", "申請日が出生・転入の日より前です")
        deadline = event + timedelta(days=grace)
        if applied <= deadline:
            start = ages.add_months(event, 1)
            trace.step(
                f"出生・転入の翌日から{grace}日以内（{ages.jp_date(deadline)}まで）に申請したため、"
                f"{event.month}月に申請したものとして扱い、{_month_label(start)}分から支給されます。",
                "ja_15day",
            )
            return start
        start = ages.add_months(applied, 1)
        trace.step(
            f"申請が出生・転入の翌日から{grace}日（{ages.jp_date(deadline)}）を過ぎたため、申請した月の翌月の"
            f"{_month_label(start)}分から支給されます。",
            "ja_15day",
            "ja_apply",
        )
        return start
    start = ages.add_months(applied, 1)
    trace.step(f"支給は申請した月の翌月の{_month_label(start)}分からです。", "ja_apply")
    return start


def calculate_child_allowance(data: ChildAllowanceInput | dict) -> ChildAllowanceResult:
    """Compute the family's 児童手当 for the month of `as_of`, its payment, and the start month."""
    request = parse_input(ChildAllowanceInput, data)
    for index, child in enumerate(request.children):
        if child.birth_date is not None and child.birth_date > request.as_of:
            raise InputError(f"children[{index}].birth_date", "基準日より後の生年月日です")
    rules = load_national().child_allowance
    month = ages.month_start(request.as_of)
    regime = rules.regime_for(month)
    kyu = regime.id == "kyu"
    trace = Trace()
    trace.step(
        f"{_month_label(month)}分には{regime.label}が適用されます。",
        "kyu_target" if kyu else "ja_target",
    )
    start = _start_month(request, trace)
    rows, notes = _month_amounts(request.children, month, regime, request.income_status, start)
    counted = [r for r in rows if r.counted]
    trace.step(
        f"第何子かは、{regime.count_until_age}歳になった後の最初の3月31日までの子を年上から数えます"
        f"（数える子は{len(counted)}人）。",
        "kyu_count" if kyu else "ja_count",
    )
    for note in notes:
        trace.step(note, "kyu_count" if kyu else "ja_count")
    for row in rows:
        age = f"{row.age}歳" if row.age is not None else "年齢不明"
        place = f"第{row.birth_order}子" if row.birth_order else "数に入らない"
        labels = STAGE_LABELS if kyu else CURRENT_STAGE_LABELS
        if row.eligible and not row.note:
            trace.step(
                f"{row.label}（{age}、{place}）: {labels[row.stage]}で月{yen(row.monthly_amount)}です。",
                "kyu_amounts" if kyu else "ja_amounts",
            )
        else:
            trace.step(
                f"{row.label}（{age}、{place}）: {row.note}。手当は0円です。",
                "kyu_target" if kyu else "ja_target",
            )
    if not kyu and request.income_status != "within_limit":
        trace.step("2024年10月分からは所得制限がないため、所得にかかわらず同じ額です。", "ja_target")
    if kyu and request.income_status != "within_limit":
        upper_from = regime.upper_limit_from
        if request.income_status == "special":
            text = "所得制限限度額以上のため特例給付（1人月5,000円）です。"
        elif upper_from is not None and month >= upper_from:
            text = f"所得上限限度額以上のため支給されません（この不支給は{_month_label(upper_from)}分からの扱いです）。"
        else:
            text = (
                f"所得上限限度額以上ですが、{_month_label(upper_from or month)}分より前は上限による不支給がなく、"
                "特例給付（1人月5,000円）です。"
            )
        trace.step(text, "kyu_income")
    total = sum(r.monthly_amount for r in rows)
    paid = [r.monthly_amount for r in rows if r.monthly_amount]
    formula = "＋".join(f"{a:,}円" for a in paid) + f"＝{yen(total)}" if len(paid) > 1 else yen(total)
    trace.step(f"{_month_label(month)}分の合計は月{formula}です。", "kyu_amounts" if kyu else "ja_amounts")
    pay_month = _payment_month(month, regime)
    covers = [ages.add_months(pay_month, -k) for k in range(regime.months_per_payment, 0, -1)]
    payment_amount = 0
    for covered in covers:
        covered_regime = rules.regime_for(covered)
        covered_rows, _ = _month_amounts(
            request.children, covered, covered_regime, request.income_status, start
        )
        payment_amount += sum(r.monthly_amount for r in covered_rows)
    covers_text = "・".join(f"{c.month}月分" for c in covers)
    trace.step(
        f"{month.month}月分は{_month_label(pay_month)}に、{covers_text}をまとめて{yen(payment_amount)}支払われます"
        f"（支払月は{'・'.join(f'{m}月' for m in regime.payment_months)}）。",
        "kyu_payment" if kyu else "ja_payment",
    )
    summary = (
        f"{regime.label}で、{_month_label(month)}分の児童手当は月{formula}です。"
        f"{_month_label(pay_month)}に{covers_text}として{yen(payment_amount)}が支払われます。"
    )
    return ChildAllowanceResult(
        regime=regime.id,
        regime_label=regime.label,
        month=_month_key(month),
        children=rows,
        monthly_total=total,
        payment=Payment(
            payment_month=_month_key(pay_month), covers=[_month_key(c) for c in covers], amount=payment_amount
        ),
        payment_months=regime.payment_months,
        start_month=_month_key(start) if start else None,
        summary=summary,
        steps=trace.steps,
        citations=trace.citations,
    )
