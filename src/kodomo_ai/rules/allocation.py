"""利用調整の割り当て: rank the applicants by index and assign places by serial dictatorship.

Algorithm (stated in the municipal document 「入所先の決め方」):
1. Each applicant's household gets its index (父母の基本指数の合計＋調整指数, allocation_index.py).
2. Applicants are ranked by index, higher first; ties go through the municipality's tie-breakers in
   order (みどり市: 基本指数の合計 → ひとり親 → 兄姉在園 → 所得割額の低い方 → 抽選番号), then the
   applicant id. Without a given lottery number, one is derived from a hash of the 年度 and the id,
   so the result never depends on the order of the input.
3. Serial dictatorship: in rank order, each applicant gets the first facility in their own choice
   list that still has a place in the child's クラス年齢. This equals deferred acceptance when every
   facility ranks applicants by the same index, so it is stable: nobody loses a place they chose to
   someone ranked lower, and listing more facilities or a different order never hurts.
4. Siblings with the same `sibling_group` are placed together at the rank of the best-ranked sibling:
   the first facility in that sibling's list that every sibling chose and that has room for all of
   them. If there is none, siblings who all accept separate places are placed one by one at that
   rank; otherwise they all wait.
5. Everyone not placed waits (保留), with the reason: which choices were full and the lowest index
   that was placed in each.
An applicant whose household has no 保育の必要性 (a parent present without a reason, e.g. at home or
working under the municipality's lower limit) is not ranked at all: 利用調整 is among children certified
as needing care (児童福祉法24条3項), so the placement says 対象外 with the reason.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Annotated, Literal

from pydantic import BaseModel, Field, Strict, field_validator, model_validator

from kodomo_ai.errors import InputError
from kodomo_ai.rules import ages
from kodomo_ai.rules.allocation_index import Household, IndexResult, compute_index
from kodomo_ai.rules.certification import CareNeedResult, determine_care_need
from kodomo_ai.rules.explanation import Explained, Trace
from kodomo_ai.rules.inputs import IsoDate, StrictInput, parse_input
from kodomo_ai.rules.tables import MunicipalTables, load_municipality

CLASS_AGES = range(6)


class Facility(StrictInput):
    """A facility with its places by クラス年齢 (0〜5歳児クラス)."""

    id: str = Field(min_length=1)
    name: str = ""
    capacity: dict[Annotated[int, Strict(False)], int] = Field(default_factory=dict)  # JSON keys are text

    @field_validator("capacity")
    @classmethod
    def _check_capacity(cls, value: dict[int, int]) -> dict[int, int]:
        for age, places in value.items():
            if age not in CLASS_AGES:
                raise ValueError(f"クラス年齢は0〜5です（指定値: {age}）")
            if places < 0:
                raise ValueError(f"{age}歳児クラスの定員が負の数です（{places}）")
        return value


class Applicant(StrictInput):
    """One child applying: class age (or birth date), ordered choices, household, optional lottery and siblings."""

    id: str = Field(min_length=1)
    birth_date: IsoDate | None = None
    class_age: int | None = Field(default=None, ge=0, le=5)
    choices: list[str] = Field(min_length=1, max_length=30)
    household: Household
    lottery: int | None = Field(default=None, ge=0)
    sibling_group: str | None = None
    separate_ok: bool = True

    @model_validator(mode="after")
    def _check(self) -> Applicant:
        if self.birth_date is None and self.class_age is None:
            raise ValueError("class_age: birth_date か class_age のどちらかが必要です")
        if len(set(self.choices)) != len(self.choices):
            raise ValueError("choices: 同じ施設が2回以上あります")
        return self


class AllocationInput(StrictInput):
    """One allocation round: the 年度, facilities and applicants."""

    fiscal_year: int = Field(ge=2000, le=2100)
    facilities: list[Facility] = Field(min_length=1)
    applicants: list[Applicant]
    municipality: str = "midori"


class Placement(BaseModel):
    """The outcome for one applicant, in rank order."""

    applicant_id: str
    rank: int
    index: int
    class_age: int
    status: Literal["placed", "waiting", "ineligible"]
    facility_id: str | None = None
    facility_name: str | None = None
    choice_number: int | None = None
    sibling_group: str | None = None
    reason: str


class FacilityClass(BaseModel):
    """Places and result of one facility's class."""

    facility_id: str
    facility_name: str
    class_age: int
    capacity: int
    filled: int
    remaining: int
    lowest_index: int | None = None


class AllocationResult(Explained):
    """The round's result: placements in rank order and each facility class's use."""

    municipality: str
    fiscal_year: int
    placed_count: int
    waiting_count: int
    ineligible_count: int = 0
    placements: list[Placement]
    facilities: list[FacilityClass]
    indexes: dict[str, IndexResult] = Field(default_factory=dict)  # per applicant, only with explain_indexes


def _household_key(household: Household) -> tuple:
    parents = tuple(
        (p.reason, p.hours_per_month, p.days_per_week, p.hours_per_day, p.severity, p.label)
        for p in household.parents
    )
    return parents, tuple(household.adjustments)


def derived_lottery(fiscal_year: int, applicant_id: str) -> int:
    """Return the lottery number used when none is given: a stable hash of the 年度 and the id."""
    digest = hashlib.sha256(f"{fiscal_year}:{applicant_id}".encode()).hexdigest()
    return int(digest[:8], 16) % 1_000_000


def _class_age(applicant: Applicant, fiscal_year: int, position: int) -> int:
    if applicant.class_age is not None:
        return applicant.class_age
    assert applicant.birth_date is not None
    age = ages.class_age(applicant.birth_date, fiscal_year)
    if age > 5:
        raise InputError(f"applicants[{position}].birth_date", f"{fiscal_year}年度は小学校就学の年齢です")
    return age


def _sort_key(applicant: Applicant, index: IndexResult, lottery: int, municipal: MunicipalTables) -> tuple:
    key: list[int | str] = [-index.total]
    for breaker in municipal.allocation.tie_breakers:
        if breaker.key == "basic_total":
            key.append(-index.basic_total)
        elif breaker.key == "single_parent":
            key.append(0 if index.single_parent else 1)
        elif breaker.key == "sibling_enrolled":
            key.append(0 if index.sibling_enrolled else 1)
        elif breaker.key == "income_tax":
            tax = applicant.household.income_tax_amount
            key.append(tax if tax is not None else 10**12)
        elif breaker.key == "lottery":
            key.append(lottery)
    key.append(applicant.id)
    return tuple(key)


def _validate_references(request: AllocationInput) -> None:
    seen_facilities: set[str] = set()
    for position, facility in enumerate(request.facilities):
        if facility.id in seen_facilities:
            raise InputError(f"facilities[{position}].id", f"施設ID「{facility.id}」が重複しています")
        seen_facilities.add(facility.id)
    seen_applicants: set[str] = set()
    for position, applicant in enumerate(request.applicants):
        if applicant.id in seen_applicants:
            raise InputError(f"applicants[{position}].id", f"申込ID「{applicant.id}」が重複しています")
        seen_applicants.add(applicant.id)
        for choice in applicant.choices:
            if choice not in seen_facilities:
                raise InputError(f"applicants[{position}].choices", f"施設ID「{choice}」がありません")


def allocate(data: AllocationInput | dict, *, explain_indexes: bool = False) -> AllocationResult:
    """Rank the applicants and assign places (serial dictatorship by index rank, siblings together).

    With `explain_indexes`, the result also carries each applicant's index breakdown and its steps.
    """
    request = parse_input(AllocationInput, data)
    municipal = load_municipality(request.municipality)
    _validate_references(request)
    trace = Trace(municipal)
    facilities = {f.id: f for f in request.facilities}
    remaining = {(f.id, age): f.capacity.get(age, 0) for f in request.facilities for age in CLASS_AGES}
    lowest: dict[tuple[str, int], int] = {}

    indexes: dict[str, IndexResult] = {}
    class_ages: dict[str, int] = {}
    keys: dict[str, tuple] = {}
    # Households often repeat (same hours, same adjustments): compute each distinct one once.
    computed: dict[tuple, IndexResult] = {}
    for position, applicant in enumerate(request.applicants):
        key = _household_key(applicant.household)
        index = computed.get(key) if not explain_indexes else None
        if index is None:
            try:
                index = compute_index(applicant.household, municipal.municipality, explain=explain_indexes)
            except InputError as exc:
                raise InputError(f"applicants[{position}].household.{exc.field}", exc.reason) from None
            computed[key] = index
        indexes[applicant.id] = index
        class_ages[applicant.id] = _class_age(applicant, request.fiscal_year, position)
        lottery = (
            applicant.lottery
            if applicant.lottery is not None
            else derived_lottery(request.fiscal_year, applicant.id)
        )
        keys[applicant.id] = _sort_key(applicant, index, lottery, municipal)
    needs: dict[tuple, CareNeedResult] = {}  # per distinct pair of parents
    ineligible: dict[str, str] = {}
    for applicant in request.applicants:
        parents_key = _household_key(applicant.household)[0]
        if parents_key not in needs:
            needs[parents_key] = determine_care_need(
                list(applicant.household.parents), municipal.municipality
            )
        need = needs[parents_key]
        if not need.needs_care:
            lacking = "、".join(
                f"{p.label}（{p.reason_label}{'・' + p.note if p.note else ''}）"
                for p in need.parents
                if not p.qualifies
            )
            ineligible[applicant.id] = (
                f"{lacking}に保育が必要な事由がなく、保育の必要性が認められないため、利用調整の対象外です。"
            )
    ranked = sorted((a for a in request.applicants if a.id not in ineligible), key=lambda a: keys[a.id])

    # Units in processing order: a sibling group joins at its best-ranked member.
    groups: dict[str, list[Applicant]] = {}
    for applicant in ranked:
        if applicant.sibling_group:
            groups.setdefault(applicant.sibling_group, []).append(applicant)
    units: list[list[Applicant]] = []
    seen_groups: set[str] = set()
    for applicant in ranked:
        group = applicant.sibling_group
        if group and len(groups[group]) > 1:
            if group not in seen_groups:
                seen_groups.add(group)
                units.append(groups[group])
        else:
            units.append([applicant])

    outcomes: dict[str, tuple[str | None, int | None, str]] = {}
    for unit in units:
        if len(unit) == 1:
            outcomes[unit[0].id] = _place_one(unit[0], class_ages, remaining, lowest, indexes, facilities)
        else:
            outcomes.update(_place_group(unit, class_ages, remaining, lowest, indexes, facilities))

    placements: list[Placement] = []
    rank = 0
    for unit in units:
        for applicant in unit:
            rank += 1
            facility_id, choice, reason = outcomes[applicant.id]
            age = class_ages[applicant.id]
            if facility_id is None:
                reason = _waiting_reason(applicant, age, reason, lowest, facilities)
            placements.append(
                Placement.model_construct(
                    applicant_id=applicant.id,
                    rank=rank,
                    index=indexes[applicant.id].total,
                    class_age=age,
                    status="placed" if facility_id else "waiting",
                    facility_id=facility_id,
                    facility_name=_name(facilities[facility_id]) if facility_id else None,
                    choice_number=choice,
                    sibling_group=applicant.sibling_group,
                    reason=reason,
                )
            )
    summary = [
        FacilityClass(
            facility_id=f.id,
            facility_name=_name(f),
            class_age=age,
            capacity=f.capacity.get(age, 0),
            filled=f.capacity.get(age, 0) - remaining[(f.id, age)],
            remaining=remaining[(f.id, age)],
            lowest_index=lowest.get((f.id, age)),
        )
        for f in request.facilities
        for age in CLASS_AGES
        if f.capacity.get(age, 0) > 0
    ]
    for applicant in request.applicants:
        if applicant.id in ineligible:
            rank += 1
            placements.append(
                Placement.model_construct(
                    applicant_id=applicant.id,
                    rank=rank,
                    index=indexes[applicant.id].total,
                    class_age=class_ages[applicant.id],
                    status="ineligible",
                    facility_id=None,
                    facility_name=None,
                    choice_number=None,
                    sibling_group=applicant.sibling_group,
                    reason=ineligible[applicant.id],
                )
            )
    placed = sum(1 for p in placements if p.status == "placed")
    excluded = len(ineligible)
    breakers = " → ".join(b.label for b in municipal.allocation.tie_breakers)
    trace.step(
        "世帯ごとに、父母それぞれの基本指数の合計に調整指数を加えて指数を計算しました。",
        "index",
        "city:basic_points",
        "city:adjustments",
    )
    trace.step(
        f"指数の高い順に並べ、同じ指数のときは「{breakers}」の順で順位を決めました。",
        "tie_break",
        "city:tie_breakers",
    )
    trace.step(
        "順位の高い申込みから順に、希望順位の早い施設のうちそのクラス年齢に空きがある施設に割り当てました"
        "（希望順位や申込みの順番で有利・不利は生じません）。",
        "allocation_by_city",
        "city:assignment",
    )
    trace.step(
        "きょうだいは、順位が最も高い子の順位で、全員が同じ施設に入れる空きを探しました。",
        "city:assignment",
    )
    if excluded:
        trace.step(
            f"保育の必要性が認められない申込み{excluded}件は、順位をつけずに対象外としました。",
            "reasons",
            "allocation_by_city",
        )
    trace.step(
        f"申込み{len(placements)}件のうち、{placed}件が内定、{len(placements) - placed - excluded}件が保留"
        + (f"、{excluded}件が対象外" if excluded else "")
        + "です。",
        "placement",
    )
    return AllocationResult(
        municipality=municipal.municipality,
        fiscal_year=request.fiscal_year,
        placed_count=placed,
        waiting_count=len(placements) - placed - excluded,
        ineligible_count=excluded,
        placements=placements,
        facilities=summary,
        indexes=indexes if explain_indexes else {},
        steps=trace.steps,
        citations=trace.citations,
    )


def _name(facility: Facility) -> str:
    return facility.name or facility.id


def _full_text(number: int, facility: Facility, age: int) -> str:
    state = "の募集がなかった" if facility.capacity.get(age, 0) == 0 else "が定員に達していた"
    return f"第{number}希望（{_name(facility)}）は{age}歳児クラス{state}"


def _place_one(
    applicant: Applicant,
    class_ages: dict[str, int],
    remaining: dict[tuple[str, int], int],
    lowest: dict[tuple[str, int], int],
    indexes: dict[str, IndexResult],
    facilities: dict[str, Facility],
) -> tuple[str | None, int | None, str]:
    age = class_ages[applicant.id]
    skipped: list[str] = []
    for number, facility_id in enumerate(applicant.choices, start=1):
        slot = (facility_id, age)
        if remaining[slot] > 0:
            remaining[slot] -= 1
            lowest[slot] = min(lowest.get(slot, indexes[applicant.id].total), indexes[applicant.id].total)
            chosen = f"第{number}希望（{_name(facilities[facility_id])}）で内定しました。"
            if skipped:
                return facility_id, number, "、".join(skipped) + "ため、" + chosen
            return facility_id, number, chosen
        skipped.append(_full_text(number, facilities[facility_id], age))
    return None, None, ""


def _place_group(
    unit: list[Applicant],
    class_ages: dict[str, int],
    remaining: dict[tuple[str, int], int],
    lowest: dict[tuple[str, int], int],
    indexes: dict[str, IndexResult],
    facilities: dict[str, Facility],
) -> dict[str, tuple[str | None, int | None, str]]:
    leader = unit[0]
    common = [f for f in leader.choices if all(f in member.choices for member in unit)]
    need = Counter(class_ages[m.id] for m in unit)
    skipped: list[str] = []
    for facility_id in common:
        if all(remaining[(facility_id, age)] >= count for age, count in need.items()):
            out: dict[str, tuple[str | None, int | None, str]] = {}
            for member in unit:
                slot = (facility_id, class_ages[member.id])
                remaining[slot] -= 1
                lowest[slot] = min(lowest.get(slot, indexes[member.id].total), indexes[member.id].total)
                number = member.choices.index(facility_id) + 1
                text = f"きょうだいそろって第{number}希望（{_name(facilities[facility_id])}）で内定しました。"
                if skipped:
                    text = "、".join(skipped) + "ため、" + text
                out[member.id] = (facility_id, number, text)
            return out
        skipped.append(f"{_name(facilities[facility_id])}にはきょうだい全員分の空きがなかった")
    if all(member.separate_ok for member in unit):
        separate: dict[str, tuple[str | None, int | None, str]] = {}
        for member in unit:
            placed_at, choice, reason = _place_one(member, class_ages, remaining, lowest, indexes, facilities)
            prefix = "きょうだいが同じ施設に入れる空きがなかったため別々に調整し、"
            separate[member.id] = (placed_at, choice, prefix + reason if placed_at else "")
        return separate
    reason = "きょうだい全員が同じ施設に入れる空きがなく、別々の入所を希望していないため保留（待機）です。"
    return {member.id: (None, None, reason) for member in unit}


def _waiting_reason(
    applicant: Applicant,
    age: int,
    reason: str,
    lowest: dict[tuple[str, int], int],
    facilities: dict[str, Facility],
) -> str:
    if reason:
        return reason
    parts = []
    for number, facility_id in enumerate(applicant.choices, start=1):
        facility = facilities[facility_id]
        if facility.capacity.get(age, 0) == 0:
            parts.append(f"第{number}希望（{_name(facility)}）は{age}歳児クラスの募集なし")
        else:
            border = lowest.get((facility_id, age))
            parts.append(f"第{number}希望（{_name(facility)}）は定員到達（内定した最低指数{border}）")
    return "、".join(parts) + "のため、保留（待機）です。"
