"""Household reader: school years to age bands, 和暦 dates, work hours, and the shared numeral/era helpers."""

from datetime import date

import pytest

from kodomo_ai.rules.household import (
    age_range,
    monthly_hours_from_week,
    read_child,
    read_household,
    window_for_cohort,
)
from kodomo_ai.text.eras import era_year, parse_wareki, western_year
from kodomo_ai.text.numbers import kanji_to_int

DEC = date(2026, 12, 4)


def bands(text: str, on: date = DEC) -> list[tuple[int, int]]:
    return [(c.age_min, c.age_max) for c in read_household(text, on).children]


def test_first_grade_window_follows_the_school_year() -> None:
    # 小1 in the school year starting April 2026: born 2 April 2019 .. 1 April 2020 (学校教育法17条: the
    # first 1 April after reaching 6; 年齢計算ニ関スル法律: an age is reached the day before the birthday).
    assert window_for_cohort(6, DEC) == (date(2019, 4, 2), date(2020, 4, 1))
    assert age_range(date(2019, 4, 2), date(2020, 4, 1), DEC) == (6, 7)
    # On 1 April the eldest (born 2 April) has reached 7 in law; the youngest (born 1 April) is 6.
    assert age_range(*window_for_cohort(6, date(2026, 4, 1)), date(2026, 4, 1)) == (6, 7)


def test_the_question_from_the_issue() -> None:
    reading = read_household("上から中3、小1、年少の3人です。児童手当は毎月いくら？", DEC)
    assert [(c.age_min, c.age_max) for c in reading.children] == [(14, 15), (6, 7), (3, 4)]
    assert reading.stated_count == 3 and reading.missing_children == 0
    assert "中学3年生（14〜15歳）として計算しました" in reading.assumptions[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("高校1年生", [(15, 16)]),
        ("大学2年の長男", [(19, 20)]),
        ("大学生", [(18, 22)]),
        ("専門学校生", [(18, 20)]),
        ("0歳児クラスと5歳児クラス", [(5, 6), (0, 1)]),
        ("年少・年中・年長", [(5, 6), (4, 5), (3, 4)]),
        ("2歳半と1歳3か月と生後8か月", [(2, 2), (1, 1), (0, 0)]),
        ("令和6年4月1日生まれ", [(2, 2)]),
        ("平成30年生まれ", [(7, 8)]),
        ("R5.7.7生まれとH30.2.14生まれ", [(8, 8), (3, 3)]),
        ("来年小学校", [(5, 6)]),
        ("3歳の双子", [(3, 3), (3, 3)]),
        ("小学生が2人", [(6, 12), (6, 12)]),
        ("20歳の大学生", [(20, 20)]),  # one child, not two
        ("生後4か月の赤ちゃん", [(0, 0)]),
        ("私は35歳、夫は38歳。子どもは3歳", [(3, 3)]),  # adults are not children
        ("中学三年生と小学一年生", [(14, 15), (6, 7)]),
        ("下の子が2歳、上の子が7歳", [(7, 7), (2, 2)]),  # oldest first
    ],
)
def test_children_as_people_describe_them(text: str, expected: list[tuple[int, int]]) -> None:
    assert bands(text) == expected


def test_next_year_is_the_calendar_year() -> None:
    # In January 2027 「来年」 is 2028: the child is in 年中 now, not 年長.
    assert bands("来年小学校に入る息子", date(2027, 1, 15)) == [(4, 5)]
    assert bands("4月から小学生の息子", date(2027, 2, 20)) == [(5, 6)]


@pytest.mark.parametrize(
    ("text", "parents"),
    [
        ("週3日、1日5時間のパート", {"hours_per_month": [65]}),  # 15 h × 52 / 12 = 65
        ("1日6時間を週4日", {"hours_per_month": [104]}),
        ("週20時間", {"hours_per_month": [87]}),  # 86.67 rounds to 87
        ("夫婦とも週5日、1日7.5時間", {"hours_per_month": [163, 163]}),  # 162.5 rounds half up
        ("月20日、1日6時間", {"hours_per_month": [120]}),
        (
            "夫は月160時間、私は育休中で非課税",
            {"hours_per_month": [160], "on_leave": True, "tax_exempt": True},
        ),
        ("母子家庭です", {"single_parent": True}),
        ("育休中ではありません", {"on_leave": False}),
        ("住民税は課税されています", {"tax_exempt": False}),
    ],
)
def test_parents(text: str, parents: dict) -> None:
    assert read_household(text, DEC).parents.as_dict() == parents


def test_rounding_rule() -> None:
    assert monthly_hours_from_week(15) == 65
    assert monthly_hours_from_week(37.5) == 163
    assert monthly_hours_from_week(40) == 173


def test_read_child_from_a_form_field() -> None:
    assert (read_child("中3", DEC).age_min, read_child("中3", DEC).age_max) == (14, 15)
    assert read_child("2019-05-01", DEC).age_min == 7
    assert read_child("令和2年4月1日", DEC).age_max == 6
    with pytest.raises(ValueError):
        read_child("よくわからない", DEC)


def test_numerals_and_eras() -> None:
    assert [kanji_to_int(t) for t in ("三", "十五", "百二十", "二〇二四", "三万五千")] == [
        3,
        15,
        120,
        2024,
        35000,
    ]
    assert western_year("令和", "元") == 2019 and western_year("H", 30) == 2018
    assert era_year(date(2026, 4, 1)) == "令和8年" and era_year(date(2019, 5, 1)) == "令和元年"
    assert parse_wareki("令和6年4月1日生まれ") == (2024, 4, 1)
