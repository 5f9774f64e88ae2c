"""無償化・施設等利用給付・保育料・副食費: caps, age-band boundaries, sibling counting and bad input."""

from datetime import date
from typing import Any

import pytest

from kodomo_ai.errors import InputError
from kodomo_ai.rules.free_childcare import age_band_on, assess_free_childcare

TODAY = "2026-11-26"


def assess(**data: Any):
    data.setdefault("as_of", TODAY)
    return assess_free_childcare(data)


@pytest.mark.parametrize(
    ("data", "eligible", "cap", "benefit", "payable"),
    [
        ({"facility_type": "unlicensed", "age": 4}, True, 37000, None, None),
        ({"facility_type": "unlicensed", "age": 4, "monthly_fee": 50000}, True, 37000, 37000, 13000),
        ({"facility_type": "unlicensed", "age": 5, "monthly_fee": 30000}, True, 37000, 30000, 0),
        ({"facility_type": "temporary_care", "age": 4}, True, 37000, None, None),
        (
            {"facility_type": "sick_child_care", "age": 1, "resident_tax_exempt": True},
            True,
            42000,
            None,
            None,
        ),
        (
            {"facility_type": "family_support", "age": 1, "resident_tax_exempt": False},
            False,
            None,
            None,
            None,
        ),
        ({"facility_type": "unlicensed", "age": 4, "enrolled_in_licensed": True}, False, None, None, None),
        ({"facility_type": "unlicensed", "age": 4, "needs_care": False}, False, None, None, None),
        (
            {"facility_type": "kindergarten_unconverted", "age": 4, "monthly_fee": 30000},
            True,
            25700,
            25700,
            4300,
        ),
        (
            {"facility_type": "kindergarten_unconverted", "age": 5, "monthly_fee": 20000},
            True,
            25700,
            20000,
            0,
        ),
    ],
)
def test_capped_benefits(
    data: dict[str, Any], eligible: bool, cap: int | None, benefit: int | None, payable: int | None
) -> None:
    result = assess(**data)
    assert result.eligible is eligible
    assert result.monthly_cap == cap
    assert result.benefit == benefit
    assert result.payable == payable


@pytest.mark.parametrize(
    ("data", "cap", "benefit"),
    [
        ({"age": 4, "azukari_days": 20}, 11300, 9000),  # 450 x 20
        ({"age": 4, "azukari_days": 25}, 11300, 11250),
        ({"age": 4, "azukari_days": 26}, 11300, 11300),  # capped
        ({"age_band": "age3_first_year", "azukari_days": 30, "resident_tax_exempt": True}, 16300, 13500),
        ({"age_band": "age3_first_year", "azukari_days": 30}, 0, 0),  # taxed: no benefit in that period
        ({"age": 4, "azukari_days": 20, "needs_care": False}, 0, 0),
    ],
)
def test_azukari_hoiku(data: dict[str, Any], cap: int, benefit: int) -> None:
    result = assess(facility_type="kindergarten", **data)
    assert result.azukari_cap == cap
    assert result.benefit == benefit


def test_1_april_boundary_for_nurseries() -> None:
    born_1st = assess(facility_type="nursery", birth_date="2021-04-01", as_of="2024-04-01")
    assert born_1st.age_band == "3to5" and born_1st.fully_free
    born_2nd = assess(
        facility_type="nursery", birth_date="2021-04-02", as_of="2024-04-01", income_tax_amount=100000
    )
    assert born_2nd.age_band == "age3_first_year"
    assert born_2nd.nursery_fee is not None and born_2nd.payable == 33000
    assert born_2nd.free_preschool_from == date(2025, 4, 1)


@pytest.mark.parametrize(
    ("as_of", "band", "eligible"),
    [
        ("2025-06-08", "under3", False),  # two days before the 3rd birthday
        ("2025-06-09", "age3_first_year", True),  # 満3歳: kindergartens are free from here
        ("2026-03-31", "age3_first_year", True),
        ("2026-04-01", "3to5", True),
    ],
)
def test_kindergarten_from_age_three(as_of: str, band: str, eligible: bool) -> None:
    result = assess(facility_type="kindergarten", birth_date="2022-06-10", as_of=as_of)
    assert result.age_band == band
    assert result.eligible is eligible


def test_age_band_on_school_entry() -> None:
    assert age_band_on(date(2020, 4, 1), date(2026, 4, 1)) == "school_age"
    assert age_band_on(date(2020, 4, 2), date(2026, 4, 1)) == "3to5"
    assert assess(facility_type="nursery", birth_date="2020-04-01", as_of="2026-04-01").eligible is False


@pytest.mark.parametrize(
    ("data", "fee", "reduction"),
    [
        ({"income_tax_amount": 100000}, 33000, "なし"),
        ({"income_tax_amount": 100000, "care_need": "short"}, 32400, "なし"),
        ({"income_tax_amount": 48599}, 16000, "なし"),
        ({"income_tax_amount": 48600}, 21000, "なし"),
        ({"income_tax_amount": 397000}, 68000, "なし"),
        (
            {"income_tax_amount": 100000, "siblings": [{"age": 4, "attends_facility": True}]},
            16500,
            "第2子半額",
        ),
        ({"income_tax_amount": 100000, "siblings": [{"age": 4, "attends_facility": False}]}, 33000, "なし"),
        ({"income_tax_amount": 100000, "siblings": [{"age": 9, "attends_facility": False}]}, 33000, "なし"),
        # under 57,700: elder siblings count whatever their age
        ({"income_tax_amount": 50000, "siblings": [{"age": 9}]}, 10500, "第2子半額"),
        (
            {
                "income_tax_amount": 100000,
                "siblings": [{"age": 5, "attends_facility": True}, {"age": 3, "attends_facility": True}],
            },
            0,
            "第3子以降無料",
        ),
        ({"income_tax_amount": 70000, "single_parent": True}, 0, "ひとり親世帯等の軽減"),
        ({"income_tax_amount": 80000, "single_parent": True}, 27000, "なし"),
        # みどり市独自: every third child free
        (
            {"income_tax_amount": 200000, "siblings": [{"age": 10}, {"age": 8}]},
            0,
            "みどり市独自: 第3子以降無料",
        ),
    ],
)
def test_under3_nursery_fee(data: dict[str, Any], fee: int, reduction: str) -> None:
    result = assess(facility_type="nursery", age=1, **data)
    assert result.nursery_fee is not None
    assert result.nursery_fee.monthly_fee == fee
    assert result.nursery_fee.reduction == reduction
    assert result.payable == fee


def test_under3_exempt_and_public_assistance_are_free() -> None:
    assert assess(facility_type="nursery", age=1, resident_tax_exempt=True).fully_free
    assert assess(facility_type="small_scale", age=0, public_assistance=True).payable == 0


def test_fee_uses_previous_tax_year_until_august() -> None:
    june = assess(facility_type="nursery", age=1, income_tax_amount=100000, as_of="2026-06-10")
    october = assess(facility_type="nursery", age=1, income_tax_amount=100000, as_of="2026-10-10")
    assert any("前年度" in s and s.startswith("6月分") for s in june.steps)
    assert any(s.startswith("10月分の保育料は当年度") for s in october.steps)


@pytest.mark.parametrize(
    ("data", "exempt", "reason"),
    [
        ({"facility_type": "nursery", "income_tax_amount": 57699}, True, "年収約360万円未満相当"),
        ({"facility_type": "nursery", "income_tax_amount": 57700}, False, "免除の条件に当たらない"),
        ({"facility_type": "kindergarten", "income_tax_amount": 77100}, True, "年収約360万円未満相当"),
        ({"facility_type": "kindergarten", "income_tax_amount": 77101}, False, "免除の条件に当たらない"),
        ({"facility_type": "nursery", "resident_tax_exempt": True}, True, "非課税世帯等"),
        # nurseries count siblings before school entry, kindergartens up to 小学3年生
        (
            {
                "facility_type": "kindergarten",
                "income_tax_amount": 100000,
                "siblings": [{"age": 8}, {"age": 6}],
            },
            True,
            "第3子",
        ),
        (
            {"facility_type": "nursery", "income_tax_amount": 100000, "siblings": [{"age": 8}, {"age": 6}]},
            False,
            "免除の条件に当たらない",
        ),
        (
            {"facility_type": "nursery", "income_tax_amount": 100000, "siblings": [{"age": 5}, {"age": 5}]},
            True,
            "第3子",
        ),
        # みどり市独自: 第2子 in a nursery
        (
            {
                "facility_type": "nursery",
                "income_tax_amount": 100000,
                "siblings": [{"age": 5, "attends_facility": True}],
            },
            True,
            "みどり市独自: 第2子の副食費補助",
        ),
    ],
)
def test_fukushokuhi(data: dict[str, Any], exempt: bool, reason: str) -> None:
    result = assess(age=4, **data)
    assert result.fukushokuhi is not None
    assert (result.fukushokuhi.exempt, result.fukushokuhi.reason) == (exempt, reason)


def test_results_carry_citations() -> None:
    result = assess(facility_type="unlicensed", age=4)
    pairs = {(c.doc_id, c.heading) for c in result.citations}
    assert ("nat-shisetsu-riyou-kyufu", "月額の上限額") in pairs
    assert result.certification_needed and "新2号" in result.certification_needed


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"facility_type": "daycare", "age": 4}, "facility_type"),
        ({"facility_type": "nursery"}, "birth_date"),
        ({"facility_type": "nursery", "age": 3}, "age"),
        ({"facility_type": "nursery", "age": 6}, "age"),
        ({"facility_type": "nursery", "age": 4, "azukari_days": 3}, "azukari_days"),
        ({"facility_type": "kindergarten", "age": 4, "azukari_days": 40}, "azukari_days"),
        ({"facility_type": "unlicensed", "age": 4, "monthly_fee": -1}, "monthly_fee"),
        ({"facility_type": "nursery", "birth_date": "2023-13-01"}, "birth_date"),
        (
            {"facility_type": "nursery", "age": 1, "income_tax_amount": 1, "siblings": [{}]},
            "siblings[0].birth_date",
        ),
    ],
)
def test_bad_input_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as info:
        assess(**data)
    assert info.value.field == field


def test_taxed_under3_without_tax_amount_states_what_decides_the_fee() -> None:
    result = assess(facility_type="nursery", age=1)
    assert result.eligible is False and result.payable is None
    assert "所得割額" in result.summary


# --- audited cases (issue #15), each with the page or section that states the rule -------------------


@pytest.mark.parametrize("facility", ["nursery", "kindergarten", "unlicensed"])
def test_nothing_is_free_before_october_2019(facility: str) -> None:
    """神奈川県 (http://www.pref.kanagawa.jp/docs/sy8/musyouka/2019musyouka.html): 無償化 started October 2019."""
    before = assess(as_of="2019-09-30", facility_type=facility, age=4, income_tax_amount=10000)
    assert (before.eligible, before.fully_free, before.fukushokuhi) == (False, False, None)
    assert "2019年10月1日" in before.steps[0]
    assert assess(as_of="2019-10-01", facility_type=facility, age=4).eligible


def test_azukari_for_a_tax_exempt_child_aged_three_is_shin_3go() -> None:
    """nat-yochien-azukari 「無償化の対象になるこども」: 満3歳〜最初の3月31日の非課税世帯は新3号（上限16,300円）."""
    result = assess(
        facility_type="kindergarten", age_band="age3_first_year", azukari_days=30, resident_tax_exempt=True
    )
    assert result.azukari_cap == 16300
    assert result.certification_needed is not None and result.certification_needed.startswith("新3号")
    older = assess(facility_type="kindergarten", age=4, azukari_days=10)
    assert older.certification_needed is not None and older.certification_needed.startswith("新2号")


def test_fukushokuhi_at_an_unconverted_kindergarten_is_a_supplementary_benefit() -> None:
    """副食費の補足給付 (岐阜県内市町村の案内; nat-fukushokuhi 「副食費が免除される世帯」): 未移行幼稚園も同じ条件で補助."""
    low = assess(facility_type="kindergarten_unconverted", age=4, income_tax_amount=50000)
    assert low.fukushokuhi is not None and low.fukushokuhi.exempt and low.fukushokuhi.supplementary
    assert any("補足給付" in s for s in low.steps)
    third = assess(
        facility_type="kindergarten_unconverted",
        age=4,
        income_tax_amount=200000,
        siblings=[{"age": 8}, {"age": 6}],
    )
    assert third.fukushokuhi is not None and third.fukushokuhi.exempt  # 小3までのきょうだいで第3子
    plain = assess(facility_type="kindergarten_unconverted", age=4, income_tax_amount=200000)
    assert plain.fukushokuhi is not None and not plain.fukushokuhi.exempt


@pytest.mark.parametrize(
    ("data", "eligible", "cap", "benefit"),
    [
        ({"age": 4, "monthly_fee": 30000}, True, 11300, 11300),  # not 37,000: the 預かり保育 cap
        (
            {"age_band": "age3_first_year", "resident_tax_exempt": True, "monthly_fee": 30000},
            True,
            16300,
            16300,
        ),
        ({"age_band": "age3_first_year", "monthly_fee": 30000}, False, None, None),
        ({"age": 4, "kindergarten_azukari_sufficient": True}, False, None, None),
    ],
)
def test_kindergarten_child_using_unlicensed_care(data: dict[str, Any], eligible: bool, cap, benefit) -> None:
    """広島市 FAQ (http://www.city.hiroshima.lg.jp/site/faq/40477.html) and 三芳町: a kindergarten child's 認可外 use
    counts within the 預かり保育 cap (11,300円), and not at all if the kindergarten's 預かり保育 runs 8h+ / 200+ days."""
    result = assess(facility_type="unlicensed", enrolled_in_kindergarten=True, **data)
    assert (result.eligible, result.monthly_cap, result.benefit) == (eligible, cap, benefit)
    assert any(c.heading == "認可外保育施設との併用" for c in result.citations)
