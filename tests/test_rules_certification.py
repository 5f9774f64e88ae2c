"""教育・保育給付認定: boundaries of hours, age and school entry, reasons, and bad input."""

from datetime import date
from typing import Any

import pytest

from kodomo_ai.errors import InputError
from kodomo_ai.rules.certification import certify, determine_care_need


def work(hours: float, **extra: Any) -> dict[str, Any]:
    return {"reason": "work", "hours_per_month": hours, **extra}


@pytest.mark.parametrize(
    ("hours", "needs_care", "care_need"),
    [
        (63, False, None),
        (63.9, False, None),
        (64, True, "short"),
        (80, True, "short"),
        (119, True, "short"),
        (119.5, True, "short"),
        (120, True, "standard"),
        (200, True, "standard"),
    ],
)
def test_work_hours_boundaries(hours: float, needs_care: bool, care_need: str | None) -> None:
    result = determine_care_need([work(hours)])
    assert result.needs_care is needs_care
    assert result.care_need == care_need
    assert result.lower_limit_hours == 64


@pytest.mark.parametrize(
    ("parents", "needs_care", "care_need"),
    [
        ([work(160), work(80)], True, "short"),  # the shorter parent decides
        ([work(160), work(160)], True, "standard"),
        ([work(160), {"reason": "home"}], False, None),
        ([work(160), work(50)], False, None),
        ([work(130), {"reason": "absent"}], True, "standard"),
        ([work(160), {"reason": "pregnancy"}], True, "standard"),
        ([work(160), {"reason": "job_seeking"}], True, "short"),
        ([work(160), {"reason": "parental_leave"}], True, "short"),
        ([work(160), {"reason": "illness", "severity": "outpatient"}], True, "standard"),
        ([work(160), {"reason": "caregiving", "hours_per_month": 70}], True, "short"),
        ([work(160), {"reason": "study", "hours_per_month": 40}], False, None),
        ([{"reason": "work", "days_per_week": 4, "hours_per_day": 4}], True, "short"),  # 4h x 4d x 4w = 64
        ([{"reason": "work", "days_per_week": 4, "hours_per_day": 3.9}], False, None),
        ([{"reason": "work", "days_per_week": 5, "hours_per_day": 6}], True, "standard"),  # 120
    ],
)
def test_household_care_need(parents: list[dict[str, Any]], needs_care: bool, care_need: str | None) -> None:
    result = determine_care_need(parents)
    assert (result.needs_care, result.care_need) == (needs_care, care_need)


def certify_on(birth: date, on: date, parents: list[dict[str, Any]] | None = None):
    return certify(
        {
            "child_birth_date": birth.isoformat(),
            "reference_date": on.isoformat(),
            "parents": parents or [work(160), work(80)],
        }
    )


@pytest.mark.parametrize(
    ("on", "expected", "age"),
    [
        (date(2026, 5, 8), "3号", 2),  # two days before the 3rd birthday
        (date(2026, 5, 9), "2号", 3),  # the day before the birthday: 満3歳
        (date(2026, 5, 10), "2号", 3),
    ],
)
def test_type_changes_when_the_child_attains_three(on: date, expected: str, age: int) -> None:
    result = certify_on(date(2023, 5, 10), on)
    assert result.certification == expected
    assert result.age == age
    assert result.summary.startswith(expected)


def test_school_entry_boundary_on_1_april() -> None:
    assert certify_on(date(2020, 4, 1), date(2026, 3, 31)).certification == "2号"
    assert certify_on(date(2020, 4, 1), date(2026, 4, 1)).certification is None  # starts school
    assert certify_on(date(2020, 4, 2), date(2026, 4, 1)).certification == "2号"  # one more year


def test_types_without_care_need() -> None:
    assert (
        certify_on(date(2022, 1, 1), date(2026, 4, 1), [work(160), {"reason": "home"}]).certification == "1号"
    )
    assert (
        certify_on(date(2025, 1, 1), date(2026, 4, 1), [work(160), {"reason": "home"}]).certification is None
    )


def test_dates_and_explanations() -> None:
    result = certify_on(date(2024, 5, 10), date(2026, 4, 1))
    assert result.certification == "3号"
    assert result.care_need == "short" and result.max_hours_per_day == 8
    assert result.class_age == 1 and result.fiscal_year == 2026
    assert result.attains_age3_on == date(2027, 5, 9)
    assert result.free_preschool_from == date(2028, 4, 1)
    assert result.small_scale_until == date(2028, 3, 31)
    assert result.school_entry == date(2031, 4, 1)
    assert any("保育短時間" in step for step in result.steps)
    doc_ids = {c.doc_id for c in result.citations}
    assert {"nat-kyufu-nintei", "midori-hitsuyou-kijun"} <= doc_ids
    assert all(c.heading for c in result.citations)


def test_age3_still_in_2sai_class_mentions_free_start() -> None:
    result = certify_on(date(2023, 6, 1), date(2026, 7, 1))
    assert result.certification == "2号" and result.class_age == 2
    assert any("2027年4月1日" in step for step in result.steps)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {
                "child_birth_date": "2024-02-30",
                "reference_date": "2026-04-01",
                "parents": [work(80), work(80)],
            },
            "child_birth_date",
        ),
        (
            {"child_birth_date": "2024-02-10", "reference_date": "2026-04-01", "parents": [work(-1)]},
            "parents[0].hours_per_month",
        ),
        (
            {
                "child_birth_date": "2024-02-10",
                "reference_date": "2026-04-01",
                "parents": [{"reason": "work"}],
            },
            "parents[0].hours_per_month",
        ),
        (
            {
                "child_birth_date": "2024-02-10",
                "reference_date": "2026-04-01",
                "parents": [{"reason": "sleeping"}],
            },
            "parents[0].reason",
        ),
        (
            {
                "child_birth_date": "2027-02-10",
                "reference_date": "2026-04-01",
                "parents": [work(80), work(80)],
            },
            "child_birth_date",
        ),
        ({"child_birth_date": "2024-02-10", "reference_date": "2026-04-01", "parents": []}, "parents"),
        (
            {"child_birth_date": "2024-02-10", "reference_date": "2026-04-01", "parents": [work(80)] * 3},
            "parents",
        ),
        (
            {
                "child_birth_date": "2024-02-10",
                "reference_date": "2026-04-01",
                "parents": [work(80), work(80)],
                "municipality": "nowhere",
            },
            "municipality",
        ),
        (
            {
                "child_birth_date": "2024-02-10",
                "reference_date": "2026-04-01",
                "parents": [work(80), work(80)],
                "extra": 1,
            },
            "extra",
        ),
        (
            {
                "child_birth_date": "2024-02-10",
                "reference_date": "2026-04-01",
                "parents": [{"reason": "absent"}],
            },
            "parents",
        ),
    ],
)
def test_bad_input_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as info:
        certify(data)
    assert info.value.field == field


def test_certify_asks_for_the_other_parent() -> None:
    """子ども・子育て支援法施行規則1条 (nat-hoiku-hitsuyosei 「保育が必要と認められる10の事由」): every parent present
    needs a reason, so a certification with one parent given names the missing one instead of passing."""
    with pytest.raises(InputError) as info:
        certify({"child_birth_date": "2024-06-15", "reference_date": "2026-12-04", "parents": [work(160)]})
    assert info.value.field == "parents" and "absent" in info.value.reason
    single = certify(
        {
            "child_birth_date": "2024-06-15",
            "reference_date": "2026-12-04",
            "parents": [work(160), {"reason": "absent"}],
        }
    )
    assert single.certification == "3号"


def test_parental_leave_for_an_under_three_carries_the_towns_caveat() -> None:
    """nat-ikukyu-keizoku 「所沢市の例：上の子の年齢で扱いが分かれる」 (https://www.city.tokorozawa.saitama.jp/
    kosodatekyouiku/hoikuen/ikujikyuukachuuhoiku/ikukyu.html): 0〜2歳の継続利用は市町村が個別に判断する."""
    young = certify_on(date(2024, 6, 15), date(2026, 12, 4), [work(160), {"reason": "parental_leave"}])
    assert young.certification == "3号" and young.caveats
    assert "市町村が個別に判断" in young.summary
    assert any(c.doc_id == "nat-ikukyu-keizoku" for c in young.citations)
    older = certify_on(date(2022, 6, 15), date(2026, 12, 4), [work(160), {"reason": "parental_leave"}])
    assert older.certification == "2号" and not older.caveats
