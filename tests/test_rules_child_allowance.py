"""児童手当: amounts before and after October 2024, counting 第3子, age boundaries, payments, 15日特例."""

from typing import Any

import pytest

from kodomo_ai.errors import InputError
from kodomo_ai.rules.child_allowance import calculate_child_allowance


def allowance(as_of: str, *children: dict[str, Any], **extra: Any):
    return calculate_child_allowance({"as_of": as_of, "children": list(children), **extra})


def ages_(*values: int) -> list[dict[str, Any]]:
    return [{"age": v} for v in values]


@pytest.mark.parametrize(
    ("children", "amounts", "total"),
    [
        (ages_(15, 12, 8), [10000, 10000, 30000], 50000),
        (ages_(8, 5, 1), [10000, 10000, 30000], 50000),  # a third child under 3 gets 30,000 too
        (ages_(4, 1), [10000, 15000], 25000),
        ([{"age": 22}, {"age": 17}, {"age": 10}], [0, 10000, 30000], 40000),  # 大学生年代 counted
        ([{"age": 22, "supported": False}, {"age": 17}, {"age": 10}], [0, 10000, 10000], 20000),
        (ages_(23, 15, 12), [0, 10000, 10000], 20000),  # past 22歳年度末: not counted
    ],
)
def test_current_rules(children: list[dict[str, Any]], amounts: list[int], total: int) -> None:
    result = allowance("2026-11-26", *children)
    assert result.regime == "2024-10"
    assert [c.monthly_amount for c in result.children] == amounts
    assert result.monthly_total == total
    assert result.payment.payment_month == "2026-12"
    assert result.payment.covers == ["2026-10", "2026-11"]
    assert result.payment.amount == total * 2


def test_old_rules_until_september_2024() -> None:
    result = allowance("2024-09-15", *ages_(17, 14, 10))
    assert result.regime == "kyu"
    assert [c.monthly_amount for c in result.children] == [0, 10000, 15000]
    assert result.monthly_total == 25000
    assert result.payment.payment_month == "2024-10"
    assert result.payment.covers == ["2024-06", "2024-07", "2024-08", "2024-09"]
    assert result.payment.amount == 100000
    assert {c.doc_id for c in result.citations} == {"nat-jido-teate-kyu"}


def test_the_october_2024_switch() -> None:
    family = [{"birth_date": "2004-06-01"}, {"birth_date": "2008-06-01"}, {"birth_date": "2014-06-01"}]
    september = allowance("2024-09-30", *family)
    october = allowance("2024-10-01", *family)
    # September: the 20-year-old is not counted and the 16-year-old is not paid.
    assert [c.monthly_amount for c in september.children] == [0, 0, 10000]
    assert [c.birth_order for c in september.children] == [None, 1, 2]
    # October: high-school age is paid and the 10-year-old becomes 第3子.
    assert [c.monthly_amount for c in october.children] == [0, 10000, 30000]
    assert october.payment.payment_month == "2024-12"
    assert october.payment.amount == 80000
    assert {c.doc_id for c in october.citations} == {"nat-jido-teate"}


@pytest.mark.parametrize(
    ("birth", "month", "amount"),
    [
        ("2024-05-10", "2027-05-15", 15000),  # attains 3 on 9 May: May is still 3歳未満
        ("2024-05-10", "2027-06-01", 10000),
        # Born on the 1st: 児童手当法6条1項 「月の初日に生まれた児童については、出生の日から三年を経過しない児童」
        # (https://laws.e-gov.go.jp/law/346AC0000000073), so May, the birthday month, is still 15,000円.
        ("2024-05-01", "2027-04-30", 15000),
        ("2024-05-01", "2027-05-01", 15000),
        ("2024-05-01", "2027-06-01", 10000),
    ],
)
def test_under3_amount_by_month(birth: str, month: str, amount: int) -> None:
    assert allowance(month, {"birth_date": birth}).monthly_total == amount


def test_old_regime_upper_limit_applies_from_june_2022() -> None:
    """nat-jido-teate-kyu 「所得制限と特例給付」: 上限による不支給は2022年6月分（10月支給分）から."""
    before = allowance("2022-05-15", *ages_(5, 2), income_status="over_upper_limit")
    assert before.monthly_total == 10000  # 特例給付 5,000円 × 2
    assert any("特例給付" in s for s in before.steps)
    after = allowance("2022-06-01", *ages_(5, 2), income_status="over_upper_limit")
    assert after.monthly_total == 0
    assert allowance("2015-06-01", *ages_(5, 2), income_status="over_upper_limit").monthly_total == 10000


def test_october_2024_sources_describe_the_current_rules() -> None:
    """銚子市's page describes the old rules, so it is cited for the old regime, not the 2024-10 one."""
    from kodomo_ai.rules.tables import load_national

    regimes = {r.id: r for r in load_national().child_allowance.regimes}
    assert "choshi" not in regimes["2024-10"].sources
    assert "choshi" in regimes["kyu"].sources


@pytest.mark.parametrize(
    ("birth", "month", "paid"),
    [
        ("2008-04-01", "2026-03-31", True),
        ("2008-04-01", "2026-04-01", False),  # 18歳到達後最初の3月31日 has passed
        ("2008-04-02", "2026-04-01", True),  # 2 April: one more year
        ("2008-04-02", "2027-03-01", True),
        ("2008-04-02", "2027-04-01", False),
    ],
)
def test_eligible_until_end_of_fiscal_year_after_18(birth: str, month: str, paid: bool) -> None:
    result = allowance(month, {"birth_date": birth})
    assert (result.monthly_total == 10000) is paid
    assert result.children[0].counted  # still counted as a sibling until 22


def test_counting_ends_at_22() -> None:
    family = [{"birth_date": "2004-04-01"}, {"birth_date": "2010-01-01"}, {"birth_date": "2016-01-01"}]
    assert allowance("2026-03-01", *family).children[2].monthly_amount == 30000
    assert allowance("2026-04-01", *family).children[2].monthly_amount == 10000


def test_income_status_only_matters_under_the_old_rules() -> None:
    assert allowance("2024-06-01", *ages_(5, 2), income_status="special").monthly_total == 10000
    assert allowance("2024-06-01", *ages_(5, 2), income_status="over_upper_limit").monthly_total == 0
    current = allowance("2026-06-01", *ages_(5, 2), income_status="special")
    assert current.monthly_total == 25000
    assert any("所得制限がない" in s for s in current.steps)


@pytest.mark.parametrize(
    ("event", "applied", "start"),
    [
        ("2026-01-25", "2026-02-09", "2026-02"),  # within 15 days of the day after the birth
        ("2026-01-25", "2026-02-10", "2026-03"),  # one day late: one month lost
        ("2026-01-31", "2026-02-15", "2026-02"),
        ("2026-01-31", "2026-02-16", "2026-03"),
        ("2026-01-10", "2026-01-12", "2026-02"),
    ],
)
def test_fifteen_day_rule(event: str, applied: str, start: str) -> None:
    result = allowance("2026-03-01", {"birth_date": event}, event_date=event, application_date=applied)
    assert result.start_month == start
    assert any(c.doc_id == "nat-jido-teate-tetsuzuki" for c in result.citations)


def test_months_before_the_start_are_not_paid() -> None:
    late = allowance(
        "2026-02-20", {"birth_date": "2026-01-25"}, event_date="2026-01-25", application_date="2026-02-10"
    )
    assert late.monthly_total == 0
    assert late.payment.amount == 15000  # the April payment covers only March


def test_every_step_is_a_japanese_sentence() -> None:
    result = allowance("2026-11-26", *ages_(15, 12, 8))
    assert result.steps and all(step.endswith("。") for step in result.steps)
    assert "50,000円" in result.summary


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"as_of": "2026-11-26", "children": []}, "children"),
        ({"as_of": "2026-11-26", "children": [{}]}, "children[0].birth_date"),
        ({"as_of": "2026-11-26", "children": [{"birth_date": "2027-01-01"}]}, "children[0].birth_date"),
        ({"as_of": "2026-11-26", "children": [{"age": -1}]}, "children[0].age"),
        ({"as_of": "2026-02-31", "children": [{"age": 3}]}, "as_of"),
        ({"as_of": "2010-01-01", "children": [{"age": 3}]}, "as_of"),
        (
            {
                "as_of": "2026-11-26",
                "children": [{"age": 0}],
                "event_date": "2026-11-01",
                "application_date": "2026-10-01",
            },
            "application_date",
        ),
        ({"as_of": "2026-11-26", "children": [{"age": 3}], "income_status": "rich"}, "income_status"),
    ],
)
def test_bad_input_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as info:
        calculate_child_allowance(data)
    assert info.value.field == field
