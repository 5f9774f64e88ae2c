"""幼児教育・保育の無償化 and 施設等利用給付: what is free, the monthly caps, what stays payable, 副食費.

Age band on the date: 0〜2歳 (before 満3歳), 満3歳 to the next 31 March (still a 2歳児クラス in
nurseries; kindergartens are free from 満3歳), and 3〜5歳 (the first 1 April after attaining 3 until
school entry). Licensed nurseries, 認定こども園, 新制度 kindergartens and 地域型保育 are free for 3〜5歳
and for 0〜2歳 in 住民税非課税 households; other 0〜2歳 pay the municipality's 保育料. Capped benefits:
新制度未移行の幼稚園 25,700円; 預かり保育 450円×days up to 11,300円 (16,300円 for 満3歳 in 非課税
households); 認可外・一時預かり・病児保育・ファミサポ 37,000円 (3〜5歳) or 42,000円 (0〜2歳, 非課税), only
with 保育の必要性 and not for children enrolled in a licensed facility. 副食費 is exempt for 3〜5歳 under
the 年収約360万円 line (所得割 57,700円 / 1号 77,101円) or as 第3子以降 (siblings counted before school
entry for nurseries, to 小学校3年生 for kindergartens).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from kodomo_ai.errors import InputError
from kodomo_ai.rules import ages
from kodomo_ai.rules.explanation import Explained, Trace, yen
from kodomo_ai.rules.inputs import IsoDate, Sibling, StrictInput, parse_input
from kodomo_ai.rules.nursery_fee import FeeResult, birth_order, is_preschool, under3_fee
from kodomo_ai.rules.tables import MunicipalTables, load_municipality, load_national

FacilityType = Literal[
    "nursery",
    "kodomoen_hoiku",
    "kodomoen_kyoiku",
    "kindergarten",
    "kindergarten_unconverted",
    "small_scale",
    "unlicensed",
    "temporary_care",
    "sick_child_care",
    "family_support",
]
AgeBand = Literal["under3", "age3_first_year", "3to5", "school_age"]

FACILITY_LABELS: dict[str, str] = {
    "nursery": "認可保育所",
    "kodomoen_hoiku": "認定こども園（保育部分）",
    "kodomoen_kyoiku": "認定こども園（教育部分）",
    "kindergarten": "幼稚園（新制度に移行した園）",
    "kindergarten_unconverted": "新制度に移行していない幼稚園",
    "small_scale": "地域型保育（小規模保育など）",
    "unlicensed": "認可外保育施設",
    "temporary_care": "一時預かり",
    "sick_child_care": "病児保育",
    "family_support": "ファミリー・サポート・センター",
}
AGE_BAND_LABELS: dict[str, str] = {
    "under3": "0〜2歳（満3歳未満）",
    "age3_first_year": "満3歳になってから最初の3月31日まで（保育所では2歳児クラス）",
    "3to5": "3〜5歳（3歳児クラス以上、小学校入学前）",
    "school_age": "小学校入学後",
}
LICENSED = ("nursery", "kodomoen_hoiku", "small_scale")
KINDERGARTEN = ("kindergarten", "kodomoen_kyoiku", "kindergarten_unconverted")
UNLICENSED_GROUP = ("unlicensed", "temporary_care", "sick_child_care", "family_support")
NOT_COVERED = [
    "給食の費用（主食費・副食費）",
    "行事費・教材費",
    "通園バスなどの送迎費",
    "延長保育の料金",
]


class FreeChildcareInput(StrictInput):
    """One child, the facility used, the household's tax status and the month's use."""

    as_of: IsoDate
    facility_type: FacilityType
    birth_date: IsoDate | None = None
    age: int | None = Field(default=None, ge=0, le=20)
    age_band: AgeBand | None = None
    resident_tax_exempt: bool = False
    public_assistance: bool = False
    income_tax_amount: int | None = Field(default=None, ge=0)
    needs_care: bool | None = None
    care_need: Literal["standard", "short"] = "standard"
    azukari_days: int | None = Field(default=None, ge=0, le=31)
    monthly_fee: int | None = Field(default=None, ge=0)
    enrolled_in_licensed: bool = False
    enrolled_in_kindergarten: bool = False  # for 認可外 etc.: the child also attends a kindergarten
    kindergarten_azukari_sufficient: bool | None = None  # its 預かり保育 runs 8h+ on weekdays and 200+ days
    siblings: list[Sibling] = Field(default_factory=list)
    single_parent: bool = False
    municipality: str = "midori"

    @model_validator(mode="after")
    def _check(self) -> FreeChildcareInput:
        if self.birth_date is None and self.age is None and self.age_band is None:
            raise ValueError("birth_date: birth_date・age・age_band のいずれかが必要です")
        return self


class FukushokuhiResult(BaseModel):
    """Whether the 副食費 of a 3〜5歳 child is exempt, and why."""

    exempt: bool
    reason: str
    supplementary: bool = False  # at a 新制度未移行の幼稚園: paid back as a 補足給付 (capped), not waived


class FreeChildcareResult(Explained):
    """What is free for this child this month, the caps, and what stays payable."""

    municipality: str
    facility_type: str
    facility_label: str
    age_band: AgeBand
    age_band_label: str
    free_preschool_from: date | None = None
    eligible: bool
    fully_free: bool
    monthly_cap: int | None = None
    azukari_cap: int | None = None
    benefit: int | None = None
    payable: int | None = None
    certification_needed: str | None = None
    nursery_fee: FeeResult | None = None
    fukushokuhi: FukushokuhiResult | None = None
    not_covered: list[str] = Field(default_factory=list)
    summary: str


def age_band_on(birth: date, on: date) -> AgeBand:
    """Return the 無償化 age band of a child born on `birth` on the date `on`."""
    if on >= ages.school_entry_date(birth):
        return "school_age"
    if on >= ages.free_preschool_start(birth):
        return "3to5"
    if ages.age_on(birth, on) >= 3:
        return "age3_first_year"
    return "under3"


def _band_from_age(age: int) -> AgeBand:
    if age <= 2:
        return "under3"
    if age in (4, 5):
        return "3to5"
    if age == 3:
        raise InputError(
            "age", "3歳は3歳児クラスかどうかで扱いが変わるため、生年月日（birth_date）か age_band が必要です"
        )
    if age == 6:
        raise InputError(
            "age", "6歳は年長か小学生かで扱いが変わるため、生年月日（birth_date）か age_band が必要です"
        )
    return "school_age"


def _own_age_days(request: FreeChildcareInput, band: AgeBand) -> int:
    if request.birth_date is not None:
        return (request.as_of - request.birth_date).days
    if request.age is not None:
        return request.age * 365 + 182
    return {"under3": 547, "age3_first_year": 1200, "3to5": 1642, "school_age": 2600}[band]


def _fukushokuhi(
    request: FreeChildcareInput,
    municipal: MunicipalTables,
    trace: Trace,
    *,
    kind: Literal["type1", "type2"],
    own_days: int,
    unconverted: bool = False,
) -> FukushokuhiResult:
    rules = load_national().fukushokuhi
    line = rules.income_line[kind]
    # 新制度未移行の幼稚園 collects 副食費 itself; the same households get it back as a 補足給付 with a cap.
    relief = "市町村の補足給付（月額の上限あり）で補助されます" if unconverted else "免除されます"
    supplementary = " （補足給付）" if unconverted else ""
    if request.public_assistance or request.resident_tax_exempt:
        trace.step(f"住民税非課税世帯などのため、副食費は{relief}。", "fukushokuhi_exempt")
        return FukushokuhiResult(
            exempt=True, reason="非課税世帯等" + supplementary.strip(), supplementary=unconverted
        )
    if request.income_tax_amount is not None and request.income_tax_amount < line:
        trace.step(
            f"所得割額が{yen(line)}未満（年収約360万円未満相当）のため、副食費は{relief}。",
            "fukushokuhi_exempt",
        )
        return FukushokuhiResult(
            exempt=True, reason="年収約360万円未満相当" + supplementary.strip(), supplementary=unconverted
        )
    if rules.third_child_count_until[kind] == "grade3":
        counted = [s for s in request.siblings if _within_grade3(s, request.as_of)]
        scope = "小学校3年生までのきょうだい"
    else:
        counted = [s for s in request.siblings if is_preschool(s, request.as_of)]
        scope = "小学校入学前のきょうだい"
    order = birth_order(own_days, counted, request.as_of)
    if order >= 3:
        trace.step(f"{scope}の中で数えて第{order}子のため、副食費は{relief}。", "fukushokuhi_count")
        return FukushokuhiResult(
            exempt=True, reason=f"第{order}子" + supplementary.strip(), supplementary=unconverted
        )
    if kind == "type2" and municipal.fees.has_topup("second_child_fukushokuhi_free"):
        attending = [s for s in request.siblings if s.attends_facility and is_preschool(s, request.as_of)]
        if birth_order(own_days, attending, request.as_of) == 2:
            trace.step(
                f"{municipal.name}独自の補助で、保育所などに同時に通う小学校入学前のきょうだいの中で第2子のため、"
                "副食費は全額補助されます。",
                "city:local_topups",
            )
            return FukushokuhiResult(exempt=True, reason=f"{municipal.name}独自: 第2子の副食費補助")
    income = "所得割額が不明のため所得による免除は判定できず、" if request.income_tax_amount is None else ""
    trace.step(
        f"{income}{scope}の中で数えて第{order}子のため、副食費は保護者が施設に支払います"
        "（額は施設が決めます）。",
        "fukushokuhi_exempt",
        "fukushokuhi_count",
    )
    return FukushokuhiResult(exempt=False, reason="免除の条件に当たらない")


def _within_grade3(sibling: Sibling, on: date) -> bool:
    if sibling.birth_date is not None:
        return on <= ages.fiscal_year_end_after_attaining(sibling.birth_date, 9)
    assert sibling.age is not None
    return sibling.age <= 8  # a 9-year-old may be in 小学3年 or 4年; not counted without a birth date


def _azukari(request: FreeChildcareInput, band: AgeBand, trace: Trace) -> tuple[int | None, int | None]:
    """Return (monthly cap, benefit) of 預かり保育 for this month."""
    caps = load_national().free_childcare.caps
    per_day = caps["azukari_per_day"]
    if request.needs_care is False:
        trace.step(
            "預かり保育の無償化には保育の必要性の認定（新2号・新3号）が必要なため、対象外です。",
            "kyufu_types",
        )
        return 0, 0
    if band == "3to5":
        cap = caps["azukari_3to5"]
    elif band == "age3_first_year" and (request.resident_tax_exempt or request.public_assistance):
        cap = caps["azukari_age3_exempt"]
    else:
        trace.step(
            "満3歳から最初の3月31日までの預かり保育は、住民税非課税世帯だけが対象のため、給付はありません。",
            "kyufu_caps",
        )
        return 0, 0
    if request.azukari_days is None:
        trace.step(f"預かり保育は1日{yen(per_day)}×利用日数で、月{yen(cap)}までが対象です。", "kyufu_caps")
        return cap, None
    benefit = min(per_day * request.azukari_days, cap)
    trace.step(
        f"預かり保育は1日{yen(per_day)}×{request.azukari_days}日＝{yen(per_day * request.azukari_days)}と"
        f"上限{yen(cap)}の低い方で、{yen(benefit)}までが対象です。",
        "kyufu_caps",
        "mushoka_caps",
    )
    return cap, benefit


def assess_free_childcare(data: FreeChildcareInput | dict) -> FreeChildcareResult:
    """Decide what 無償化 covers for one child this month, the caps, what stays payable and 副食費."""
    request = parse_input(FreeChildcareInput, data)
    municipal = load_municipality(request.municipality)
    if request.azukari_days is not None and request.facility_type not in KINDERGARTEN:
        raise InputError(
            "azukari_days", "預かり保育は幼稚園・認定こども園（教育部分）を利用するこどもだけが対象です"
        )
    trace = Trace(municipal)
    start = load_national().free_childcare.effective_from
    if request.as_of < start:
        return _before_start(request, municipal, trace, start)
    free_from: date | None = None
    if request.birth_date is not None:
        band = age_band_on(request.birth_date, request.as_of)
        free_from = ages.free_preschool_start(request.birth_date)
        age = ages.age_on(request.birth_date, request.as_of)
        trace.step(
            f"お子さんは{ages.jp_date(request.as_of)}時点で満{age}歳、3〜5歳の無償化は{ages.jp_date(free_from)}"
            f"（満3歳になった後の最初の4月1日）からです。",
            "mushoka_period",
        )
    elif request.age_band is not None:
        band = request.age_band
    else:
        assert request.age is not None
        band = _band_from_age(request.age)
        trace.step(f"{request.age}歳なので「{AGE_BAND_LABELS[band]}」として判定します。", "mushoka_period")
    base: dict[str, object] = {
        "municipality": municipal.municipality,
        "facility_type": request.facility_type,
        "facility_label": FACILITY_LABELS[request.facility_type],
        "age_band": band,
        "age_band_label": AGE_BAND_LABELS[band],
        "free_preschool_from": free_from,
    }
    if band == "school_age":
        result = _not_covered(
            trace,
            "小学校に入学した後は、幼児教育・保育の無償化の対象外です。",
            "小学校入学後のため無償化の対象外です。",
            "mushoka_targets",
        )
    elif request.facility_type in LICENSED:
        result = _licensed(request, band, municipal, trace)
    elif request.facility_type in KINDERGARTEN:
        result = _kindergarten(request, band, municipal, trace)
    else:
        result = _unlicensed(request, band, trace)
    return FreeChildcareResult.model_validate(
        {**base, **result, "steps": trace.steps, "citations": trace.citations}
    )


def _before_start(
    request: FreeChildcareInput, municipal: MunicipalTables, trace: Trace, start: date
) -> FreeChildcareResult:
    """Before October 2019 there was no 無償化 (nor its 副食費 exemption): nothing is free under it."""
    trace.step(
        f"幼児教育・保育の無償化と施設等利用給付は{ages.jp_date(start)}に始まった制度で、"
        f"{ages.jp_date(request.as_of)}は開始前のため対象になりません（保育料・利用料は当時の額です）。",
        "mushoka_start",
        "mushoka_targets",
    )
    band = (
        age_band_on(request.birth_date, request.as_of) if request.birth_date else request.age_band or "3to5"
    )
    return FreeChildcareResult(
        municipality=municipal.municipality,
        facility_type=request.facility_type,
        facility_label=FACILITY_LABELS[request.facility_type],
        age_band=band,
        age_band_label=AGE_BAND_LABELS[band],
        eligible=False,
        fully_free=False,
        summary=f"{ages.jp_date(start)}より前のため、無償化の対象外です。",
        steps=trace.steps,
        citations=trace.citations,
    )


def _licensed(request: FreeChildcareInput, band: AgeBand, municipal: MunicipalTables, trace: Trace) -> dict:
    label = FACILITY_LABELS[request.facility_type]
    exempt = request.resident_tax_exempt or request.public_assistance
    if band == "3to5":
        trace.step(
            f"{label}の3〜5歳児クラスの保育料は、所得に関係なく無料です。", "mushoka_targets", "city:fee_3to5"
        )
        fukushokuhi = _fukushokuhi(
            request, municipal, trace, kind="type2", own_days=_own_age_days(request, band)
        )
        trace.step(
            "給食費（副食費など）・行事費・送迎費・延長保育料は無償化の対象外です。", "mushoka_not_covered"
        )
        return {
            "eligible": True,
            "fully_free": True,
            "payable": 0,
            "fukushokuhi": fukushokuhi,
            "not_covered": NOT_COVERED,
            "summary": f"{label}の保育料は無料です（3〜5歳児クラス）。"
            + ("副食費も免除です。" if fukushokuhi.exempt else "副食費などの実費は別に支払います。"),
        }
    if exempt:
        trace.step("0〜2歳児クラスでも、住民税非課税世帯は保育料が無料です。", "mushoka_targets")
        return {
            "eligible": True,
            "fully_free": True,
            "payable": 0,
            "not_covered": NOT_COVERED,
            "summary": f"住民税非課税世帯のため、{label}の保育料は無料です（0〜2歳児クラス）。",
        }
    trace.step(
        "0〜2歳児クラスで住民税が課税されている世帯は無償化の対象外で、保育料を支払います。",
        "hoikuryo_payable",
    )
    if request.income_tax_amount is None:
        return {
            "eligible": False,
            "fully_free": False,
            "not_covered": NOT_COVERED,
            "summary": f"0〜2歳児クラスの課税世帯は無償化の対象外で、{municipal.name}の保育料表の額を支払います"
            "（額は市町村民税所得割額で決まります）。",
        }
    fee = under3_fee(
        municipal,
        trace,
        on=request.as_of,
        own_age_days=_own_age_days(request, band),
        care_need=request.care_need,
        public_assistance=False,
        tax_exempt=False,
        income_tax_amount=request.income_tax_amount,
        siblings=request.siblings,
        single_parent=request.single_parent,
    )
    return {
        "eligible": False,
        "fully_free": fee.monthly_fee == 0,
        "payable": fee.monthly_fee,
        "nursery_fee": fee,
        "not_covered": NOT_COVERED,
        "summary": f"0〜2歳児クラスの課税世帯は無償化の対象外で、保育料は月{yen(fee.monthly_fee)}です"
        f"（{fee.level}階層、{fee.reduction if fee.reduction != 'なし' else '軽減なし'}）。",
    }


def _not_covered(trace: Trace, reason: str, summary: str, *sources: str) -> dict:
    """Record why the case is not covered (a traced step citing `sources`) and return the not-covered result."""
    trace.step(reason, *sources)
    return {"eligible": False, "fully_free": False, "summary": summary}


def _kindergarten(
    request: FreeChildcareInput, band: AgeBand, municipal: MunicipalTables, trace: Trace
) -> dict:
    caps = load_national().free_childcare.caps
    label = FACILITY_LABELS[request.facility_type]
    unconverted = request.facility_type == "kindergarten_unconverted"
    if band == "under3":
        return _not_covered(
            trace,
            "満3歳になる前は、幼稚園の保育料は無償化の対象になりません。",
            f"満3歳未満のため、{label}の無償化の対象外です。",
            "mushoka_targets",
        )
    if band == "age3_first_year":
        trace.step(
            "幼稚園は入園できる時期に合わせて満3歳から無償化の対象です（満3歳児入園。扱いは園・市町村にも確認してください）。",
            "mushoka_period",
        )
    cap = caps["kindergarten_unconverted"] if unconverted else None
    benefit = payable = None
    if unconverted:
        assert cap is not None
        if request.monthly_fee is not None:
            benefit = min(request.monthly_fee, cap)
            payable = request.monthly_fee - benefit
            trace.step(
                f"保育料{yen(request.monthly_fee)}のうち上限{yen(cap)}までが給付され、{yen(payable)}が自己負担です。",
                "kyufu_caps",
            )
        else:
            trace.step(
                f"{label}の保育料は月{yen(cap)}までが給付の対象です（新1号認定）。",
                "kyufu_caps",
                "kyufu_types",
            )
    else:
        trace.step(f"{label}の保育料（教育時間分）は無料です。", "mushoka_caps")
    azukari_cap, azukari_benefit = (None, None)
    if request.azukari_days is not None or request.needs_care:
        azukari_cap, azukari_benefit = _azukari(request, band, trace)
    fukushokuhi = _fukushokuhi(
        request,
        municipal,
        trace,
        kind="type1",
        own_days=_own_age_days(request, band),
        unconverted=unconverted,
    )
    if unconverted or azukari_cap:
        trace.step("給付は、施設に払った後で市町村に請求する償還払いなどで受け取ります。", "kyufu_claim")
    if unconverted:
        summary = f"{label}の保育料は月{yen(cap or 0)}までが無償化の対象です。"
        certification: str | None = "新1号認定（施設等利用給付認定）"
    else:
        summary = f"{label}の保育料は無料です。"
        certification = None
        if azukari_cap:
            # 満3歳 to the first 31 March is 新3号 (非課税 households only); from the 3歳児クラス, 新2号.
            certification = (
                "新3号認定（預かり保育の無償化、住民税非課税世帯）"
                if band == "age3_first_year"
                else "新2号認定（預かり保育の無償化）"
            )
    return {
        "eligible": True,
        "fully_free": not unconverted,
        "monthly_cap": cap,
        "azukari_cap": azukari_cap,
        "benefit": _sum_optional(benefit, azukari_benefit),
        "payable": payable if unconverted else (0 if request.azukari_days is None else None),
        "certification_needed": certification,
        "fukushokuhi": fukushokuhi,
        "not_covered": NOT_COVERED,
        "summary": summary + _azukari_summary(azukari_cap),
    }


def _azukari_summary(cap: int | None) -> str:
    if not cap:
        return ""
    per_day = load_national().free_childcare.caps["azukari_per_day"]
    return f"預かり保育は1日{yen(per_day)}×利用日数、月{yen(cap)}までが対象です。"


def _sum_optional(*values: int | None) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _kindergarten_child_unlicensed(request: FreeChildcareInput, band: AgeBand, trace: Trace) -> dict:
    """A kindergarten child using 認可外 etc.: covered only if the kindergarten's 預かり保育 is short, within its cap."""
    caps = load_national().free_childcare.caps
    label = FACILITY_LABELS[request.facility_type]
    exempt = request.resident_tax_exempt or request.public_assistance
    if request.kindergarten_azukari_sufficient:
        return _not_covered(
            trace,
            "在籍する幼稚園が平日8時間以上・年200日以上の預かり保育をしているため、その預かり保育だけが対象で、"
            f"{label}の利用料は無償化の対象になりません。",
            f"幼稚園の預かり保育が十分なため、{label}は対象外です。",
            "azukari_with_unlicensed",
        )
    if band == "3to5":
        cap, certification = caps["azukari_3to5"], "新2号認定（保育の必要性の認定）"
    elif band == "age3_first_year" and exempt:
        cap, certification = caps["azukari_age3_exempt"], "新3号認定（保育の必要性の認定、住民税非課税世帯）"
    else:
        return _not_covered(
            trace,
            "幼稚園に通う満3歳から最初の3月31日までのこどもは、住民税非課税世帯だけが対象です。",
            f"課税世帯の満3歳児のため、{label}は対象外です。",
            "azukari_targets",
            "azukari_with_unlicensed",
        )
    if request.needs_care is False:
        return _not_covered(
            trace,
            "保育の必要性の認定を受けていないため、給付の対象外です。",
            f"保育の必要性がないため、{label}は対象外です。",
            "kyufu_types",
        )
    trace.step(
        f"幼稚園に在籍するこどもが{label}を使う場合、園の預かり保育の利用料と合わせて月{yen(cap)}までが対象です"
        "（園の預かり保育が平日8時間未満または年200日未満の場合に限ります）。",
        "azukari_with_unlicensed",
        "kyufu_caps",
    )
    benefit = payable = None
    if request.monthly_fee is not None:
        benefit = min(request.monthly_fee, cap)
        payable = request.monthly_fee - benefit
        trace.step(
            f"利用料{yen(request.monthly_fee)}のうち{yen(benefit)}が給付され、{yen(payable)}が自己負担です"
            "（同じ月に預かり保育の給付を受けた分は、この上限から差し引かれます）。",
            "azukari_with_unlicensed",
        )
    if request.kindergarten_azukari_sufficient is None:
        trace.step(
            "在籍する幼稚園の預かり保育が平日8時間以上・年200日以上なら、この給付は受けられません。園に確認してください。",
            "azukari_with_unlicensed",
        )
    return {
        "eligible": True,
        "fully_free": False,
        "monthly_cap": cap,
        "benefit": benefit,
        "payable": payable,
        "certification_needed": certification,
        "not_covered": NOT_COVERED,
        "summary": f"幼稚園に通いながら{label}を使う場合は、預かり保育と合わせて月{yen(cap)}までが対象です"
        f"（{certification}が必要）。",
    }


def _unlicensed(request: FreeChildcareInput, band: AgeBand, trace: Trace) -> dict:
    caps = load_national().free_childcare.caps
    label = FACILITY_LABELS[request.facility_type]
    exempt = request.resident_tax_exempt or request.public_assistance
    if request.enrolled_in_licensed:
        return _not_covered(
            trace,
            "認可保育所や認定こども園などに通っているこどもは、認可外保育施設・一時預かりなどの給付の対象外です。",
            f"保育所などに在園中のため、{label}の給付の対象外です。",
            "kyufu_enrolled_excluded",
        )
    if request.enrolled_in_kindergarten:
        return _kindergarten_child_unlicensed(request, band, trace)
    if band == "3to5":
        cap, certification = caps["unlicensed_3to5"], "新2号認定（保育の必要性の認定）"
    elif exempt:
        cap, certification = (
            caps["unlicensed_0to2_exempt"],
            "新3号認定（保育の必要性の認定、住民税非課税世帯）",
        )
    else:
        return _not_covered(
            trace,
            "0〜2歳児クラスの年齢で住民税が課税されている世帯は、認可外保育施設などの無償化の対象外です。",
            f"0〜2歳の課税世帯のため、{label}は無償化の対象外です。",
            "mushoka_targets",
            "kyufu_types",
        )
    if request.needs_care is False:
        return _not_covered(
            trace,
            "保育の必要性の認定を受けていないため、給付の対象外です。",
            f"保育の必要性がないため、{label}は無償化の対象外です。",
            "kyufu_types",
        )
    age_text = "3〜5歳" if band == "3to5" else "0〜2歳（住民税非課税世帯）"
    trace.step(
        f"{label}を利用する{age_text}のこどもは、月{yen(cap)}までが施設等利用給付の対象です。",
        "kyufu_caps",
        "mushoka_caps",
    )
    if request.needs_care is None:
        trace.step(f"給付には{certification}を受けていることが条件です。", "kyufu_types")
    benefit = payable = None
    if request.monthly_fee is not None:
        benefit = min(request.monthly_fee, cap)
        payable = request.monthly_fee - benefit
        trace.step(
            f"利用料{yen(request.monthly_fee)}のうち{yen(benefit)}が給付され、{yen(payable)}が自己負担です。",
            "kyufu_caps",
        )
    trace.step(
        "複数の施設を併用しても、合計で上限の範囲内です。給付は償還払いなどで受け取ります。",
        "kyufu_caps",
        "kyufu_claim",
    )
    return {
        "eligible": True,
        "fully_free": False,
        "monthly_cap": cap,
        "benefit": benefit,
        "payable": payable,
        "certification_needed": certification,
        "not_covered": NOT_COVERED,
        "summary": f"{label}を利用する{age_text}のこどもは、月{yen(cap)}までが無償化の対象です（{certification}が必要）。",
    }
