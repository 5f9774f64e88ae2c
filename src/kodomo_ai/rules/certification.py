"""教育・保育給付認定: 1号/2号/3号 and 保育標準時間/保育短時間 from the child's age and the parents' situations.

Each parent present needs a reason (事由) for the child to need care. Hours-based reasons (work,
care of a relative, study) count from the municipality's lower limit (48-64 hours a month; みどり市 64)
and give standard hours from 120 hours a month; other reasons have a fixed need in the municipality's
table. The household's need is the shorter of the parents' needs. Age is the 満年齢 on the reference
date: 3号 under 3, 2号 (care) or 1号 (education only) from 3 until school entry.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from kodomo_ai.errors import InputError
from kodomo_ai.rules import ages
from kodomo_ai.rules.explanation import Explained, Trace, hours
from kodomo_ai.rules.inputs import REASON_LABELS, IsoDate, ParentSituation, StrictInput, parse_input
from kodomo_ai.rules.tables import MunicipalTables, load_municipality, load_national

CareNeed = Literal["standard", "short"]
NEED_LABELS = {"standard": "保育標準時間", "short": "保育短時間"}
REASON_CITATIONS = {
    "work": "reason_work",
    "pregnancy": "reason_medical",
    "illness": "reason_medical",
    "disability": "reason_medical",
    "caregiving": "reason_medical",
    "disaster": "reason_medical",
    "job_seeking": "reason_job_study",
    "study": "reason_job_study",
    "abuse_dv": "reason_abuse_leave",
    "parental_leave": "reason_abuse_leave",
}


class CertificationInput(StrictInput):
    """The child, the date the certification is judged on, and the parents' situations."""

    child_birth_date: IsoDate
    reference_date: IsoDate
    parents: list[ParentSituation] = Field(min_length=1, max_length=2)
    municipality: str = "midori"

    @model_validator(mode="after")
    def _both_parents(self) -> CertificationInput:
        # Care is needed only if every parent present has a reason: one parent alone cannot decide it.
        if len(self.parents) < 2:
            raise ValueError(
                "parents: もう一方の保護者の状況も指定してください（いない場合は reason を absent にします）"
            )
        return self


class ParentAssessment(BaseModel):
    """How one parent's situation was judged."""

    label: str
    reason: str
    reason_label: str
    monthly_hours: float | None = None
    qualifies: bool
    need: CareNeed | None = None
    note: str = ""


class CareNeedResult(Explained):
    """Whether the household needs care, and for how long a day."""

    municipality: str
    needs_care: bool
    care_need: CareNeed | None = None
    care_need_label: str | None = None
    max_hours_per_day: int | None = None
    lower_limit_hours: int
    parents: list[ParentAssessment]
    caveats: list[str] = Field(default_factory=list)


class CertificationResult(CareNeedResult):
    """The certificate type, the care amount and the dates that follow from the child's age."""

    certification: Literal["1号", "2号", "3号"] | None = None
    summary: str
    age: int
    class_age: int
    fiscal_year: int
    attains_age3_on: date
    free_preschool_from: date
    small_scale_until: date
    school_entry: date


def _parent_label(parent: ParentSituation, position: int) -> str:
    return parent.label or f"保護者{position + 1}"


def assess_parent(
    parent: ParentSituation, municipal: MunicipalTables, trace: Trace, position: int = 0
) -> ParentAssessment:
    """Judge whether one parent's situation is a reason for care, and which care amount it gives."""
    rules = municipal.certification
    label = _parent_label(parent, position)
    reason_label = REASON_LABELS[parent.reason]
    if parent.reason == "absent":
        trace.step(
            f"{label}: いない（ひとり親など）ため、もう一方の保護者の状況だけで判断します。", "reasons"
        )
        return ParentAssessment(label=label, reason=parent.reason, reason_label=reason_label, qualifies=True)
    if parent.reason == "home":
        trace.step(f"{label}: 家庭で保育できるため、保育が必要な事由に当たりません。", "reasons")
        return ParentAssessment(
            label=label, reason=parent.reason, reason_label=reason_label, qualifies=False, note="事由なし"
        )
    rule = rules.need_by_reason[parent.reason]
    cite = REASON_CITATIONS[parent.reason]
    if rule.need != "by_hours":
        need: CareNeed = rule.need
        trace.step(
            f"{label}: 「{reason_label}」は保育が必要な事由で、{municipal.name}では{NEED_LABELS[need]}です"
            f"（期間の目安: {rule.period}）。",
            cite,
            "city:need_table",
        )
        return ParentAssessment(
            label=label, reason=parent.reason, reason_label=reason_label, qualifies=True, need=need
        )
    monthly = parent.monthly_hours(rules.weeks_per_month)
    if monthly is None:  # the input model requires hours for these reasons
        raise InputError(f"parents[{position}].hours_per_month", "月の時間数が必要です")
    if parent.hours_per_month is None:
        trace.step(
            f"{label}: 週{parent.days_per_week:g}日×1日{parent.hours_per_day:g}時間×{rules.weeks_per_month:g}週"
            f"＝月{hours(monthly)}として数えます。",
            "city:hours_count",
        )
    lower = rules.work_hours_lower_limit if parent.reason == "work" else rules.hours_based_reasons_min_hours
    limit_rule = "city:lower_limit" if parent.reason == "work" else "city:need_table"
    if monthly < lower:
        trace.step(
            f"{label}: {reason_label}が月{hours(monthly)}で、{municipal.name}の下限（月{lower}時間）に届かないため、"
            "この事由では保育が必要と認められません。",
            cite,
            "work_lower_limit" if parent.reason == "work" else "city:need_table",
            limit_rule,
        )
        return ParentAssessment(
            label=label,
            reason=parent.reason,
            reason_label=reason_label,
            monthly_hours=monthly,
            qualifies=False,
            note=f"月{lower}時間未満",
        )
    standard_min = rules.standard_hours_min_per_month
    need = "standard" if monthly >= standard_min else "short"
    comparison = f"月{standard_min}時間以上" if need == "standard" else f"月{standard_min}時間未満"
    trace.step(
        f"{label}: {reason_label}が月{hours(monthly)}で、下限（月{lower}時間）以上なので保育が必要な事由に当たり、"
        f"{comparison}なので{NEED_LABELS[need]}です。",
        cite,
        "care_need",
        limit_rule,
    )
    return ParentAssessment(
        label=label,
        reason=parent.reason,
        reason_label=reason_label,
        monthly_hours=monthly,
        qualifies=True,
        need=need,
    )


def _care_need(parents: list[ParentSituation], municipal: MunicipalTables, trace: Trace) -> CareNeedResult:
    if all(p.reason == "absent" for p in parents):
        raise InputError("parents", "少なくとも1人は保護者の状況（absent 以外）を指定してください")
    assessed = [assess_parent(p, municipal, trace, i) for i, p in enumerate(parents)]
    present = [a for a in assessed if a.reason != "absent"]
    national = load_national().certification
    lower = municipal.certification.work_hours_lower_limit
    if not all(a.qualifies for a in present):
        missing = "、".join(a.label for a in present if not a.qualifies)
        trace.step(
            f"保育が必要と認められるには、いる保護者全員に事由が必要です。{missing}に事由がないため、"
            "保育の必要性は認められません。",
            "reasons",
            "city:need_table",
        )
        return CareNeedResult(
            municipality=municipal.municipality,
            needs_care=False,
            lower_limit_hours=lower,
            parents=assessed,
            steps=trace.steps,
            citations=trace.citations,
        )
    needs = [a.need for a in present if a.need is not None]
    need: CareNeed = "short" if "short" in needs else "standard"
    per_day = national.max_hours_per_day[need]
    if len(present) > 1:
        trace.step(
            f"世帯の保育必要量は、保護者のうち短い方の区分で決まるため、{NEED_LABELS[need]}（1日最大{per_day}時間）です。",
            "care_need",
            "city:need_table",
        )
    else:
        trace.step(f"保育必要量は{NEED_LABELS[need]}（1日最大{per_day}時間）です。", "care_need")
    return CareNeedResult(
        municipality=municipal.municipality,
        needs_care=True,
        care_need=need,
        care_need_label=NEED_LABELS[need],
        max_hours_per_day=per_day,
        lower_limit_hours=lower,
        parents=assessed,
        steps=trace.steps,
        citations=trace.citations,
    )


def determine_care_need(
    parents: list[ParentSituation] | list[dict], municipality: str = "midori"
) -> CareNeedResult:
    """Decide whether the household needs care and the care amount (標準/短時間), without the child's age."""
    municipal = load_municipality(municipality)
    checked = [parse_input(ParentSituation, p) for p in parents]
    if not 1 <= len(checked) <= 2:
        raise InputError("parents", "保護者は1人または2人で指定してください")
    return _care_need(checked, municipal, Trace(municipal))


def certify(data: CertificationInput | dict) -> CertificationResult:
    """Decide 1号/2号/3号 and 保育標準時間/保育短時間 for one child on the reference date."""
    request = parse_input(CertificationInput, data)
    municipal = load_municipality(request.municipality)
    trace = Trace(municipal)
    birth, on = request.child_birth_date, request.reference_date
    age = ages.age_on(birth, on, field="child_birth_date")
    fiscal_year = ages.fiscal_year_of(on)
    klass = ages.class_age(birth, fiscal_year)
    age3 = ages.attain_date(birth, 3)
    school = ages.school_entry_date(birth)
    free_from = ages.free_preschool_start(birth)
    small_scale_until = ages.fiscal_year_end_after_attaining(birth, 3)
    trace.step(
        f"お子さんは{ages.jp_date(on)}時点で満{age}歳、{fiscal_year}年度は{klass}歳児クラスです"
        f"（満3歳に達する日は3歳の誕生日の前日の{ages.jp_date(age3)}）。",
        "cert_types",
    )
    need = _care_need(request.parents, municipal, trace)
    dates: dict[str, object] = {
        "age": age,
        "class_age": klass,
        "fiscal_year": fiscal_year,
        "attains_age3_on": age3,
        "free_preschool_from": free_from,
        "small_scale_until": small_scale_until,
        "school_entry": school,
    }
    if on >= school:
        trace.step(
            f"{ages.jp_date(school)}に小学校に入学する年齢に達しているため、この認定の対象外です。",
            "cert_types",
        )
        return CertificationResult.model_validate(
            {
                **need.model_dump(exclude={"steps", "citations"}),
                **dates,
                "certification": None,
                "summary": "小学校就学後のため対象外",
                "steps": trace.steps,
                "citations": trace.citations,
            }
        )
    certification: Literal["1号", "2号", "3号"] | None
    if age >= 3:
        certification = "2号" if need.needs_care else "1号"
        if need.needs_care:
            summary = f"2号認定・{need.care_need_label}（1日最大{need.max_hours_per_day}時間）"
            trace.step(f"満3歳以上で保育が必要なため、{summary}です。", "cert_types")
        else:
            education = load_national().certification.education_hours_per_day
            summary = "1号認定（教育標準時間）"
            trace.step(
                f"満3歳以上で保育の必要性がないため、1号認定（1日{education}時間程度の教育）です。",
                "cert_types",
                "education_hours",
            )
        if klass < 3:
            trace.step(
                f"満3歳ですが{fiscal_year}年度はまだ{klass}歳児クラスです。3〜5歳の保育料の無償化は"
                f"{ages.jp_date(free_from)}からです。",
                "mushoka_period",
            )
    elif need.needs_care:
        certification = "3号"
        summary = f"3号認定・{need.care_need_label}（1日最大{need.max_hours_per_day}時間）"
        if any(p.reason == "parental_leave" for p in request.parents):
            caveat = (
                "育児休業中の継続利用は、0〜2歳の上の子については市町村が個別に判断します"
                "（所沢市の例では原則として継続できず、市が定める特別な事情があるときに限られます）。"
                f"{municipal.name}の基準で継続できるか確認してください。"
            )
            trace.step(caveat, "ikukyu_keizoku", "ikukyu_age")
            need.caveats.append(caveat)
            summary += "（育休中の継続利用は市町村が個別に判断）"
        trace.step(
            f"満3歳未満で保育が必要なため、{summary}です。小規模保育などの地域型保育は"
            f"{ages.jp_date(small_scale_until)}まで利用できます。",
            "cert_types",
            "small_scale",
        )
        trace.step(f"{ages.jp_date(age3)}に満3歳に達し、2号認定の年齢になります。", "cert_types")
    else:
        certification = None
        summary = "満3歳未満で保育の必要性がないため、教育・保育給付認定は受けられません"
        trace.step(f"{summary}（一時預かりなどは別の制度です）。", "cert_types")
    return CertificationResult.model_validate(
        {
            **need.model_dump(exclude={"steps", "citations"}),
            **dates,
            "certification": certification,
            "summary": summary,
            "steps": trace.steps,
            "citations": trace.citations,
        }
    )


def certification_for_age(age: int, needs_care: bool) -> Literal["1号", "2号", "3号"] | None:
    """Return the certificate type for a 満年齢 (before school entry) and whether care is needed."""
    if age >= 3:
        return "2号" if needs_care else "1号"
    return "3号" if needs_care else None
