"""Household reader: clock-time shifts, denied readings, brackets, counts said of all, ranges, seasons, past steps."""

from datetime import date

import pytest

from kodomo_ai.rules.household import read_household

DEC = date(2026, 12, 4)  # school year 2026: a cohort with クラス年齢 N is N or N+1 years old


def bands(text: str, on: date = DEC) -> list[tuple[int, int]]:
    return [(c.age_min, c.age_max) for c in read_household(text, on).children]


def hours(text: str) -> list[int]:
    return [w.hours_per_month for w in read_household(text, DEC).parents.work]


@pytest.mark.parametrize(
    ("text", "monthly"),
    [
        ("母はパートで週3×7h", [91]),  # 21 h a week × 52 / 12 = 91
        ("10時から4時まで週4でレジ打ち", [104]),  # 4時 after 10時 is 16時: 6 h × 4 days
        ("9時15分〜15時15分、週5日", [130]),
        ("週5日勤務で7時半から16時半(休憩1時間)", [173]),  # 8 h × 5 days = 173.3
        ("平日は8:30-17:30(休憩1時間)の週5日", [173]),
        ("週2日、午前10時から夕方5時まで", [61]),  # 7 h × 2 days = 14 h a week × 52 / 12 = 60.7
        ("月12日出勤で1日あたり7時間", [84]),
        ("週4日勤務、1日につき5時間", [87]),
        ("週2回、1回6時間", [52]),
        ("月に10回、1回12時間の夜勤", [120]),
    ],
)
def test_clock_times_and_shifts(text: str, monthly: list[int]) -> None:
    assert hours(text) == monthly


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("息子は今年で8歳", [(7, 8)]),  # turns 8 this year: 7 before the birthday
        ("小3ではなく小4の娘です", [(9, 10)]),
        ("末っ子は0歳(生後3か月)", [(0, 0)]),
        ("犬を2匹飼っています(10歳と8歳)。子どもは6歳", [(6, 6)]),
        ("子どもが4人いて、全員中学生", [(12, 15)] * 4),
        ("年中から小2までの4人", [(7, 8), (6, 7), (5, 6), (4, 5)]),
        ("去年の秋に生まれた息子", [(1, 1)]),
        ("2022年の春生まれの娘", [(4, 4)]),
        ("去年の3月に中学を卒業した娘", [(16, 17)]),  # 高校 second year now, if she went on
        ("子どもは2人で、下から3、9です", [(9, 9), (3, 3)]),
        ("9歳と9歳の双子", [(9, 9), (9, 9)]),
        ("友人の子(4歳)と遊ばせています。うちは2歳の息子だけ", [(2, 2)]),
        ("娘は2年前に中学校に入学しました", [(14, 15)]),  # 中1 two Aprils ago: 中3 now
        ("息子が高校を卒業するのは来年度です", [(16, 17)]),  # the March of 2028: 高2 now
        ("次の春から小学生になる娘", [(5, 6)]),
    ],
)
def test_children_said_in_other_shapes(text: str, expected: list[tuple[int, int]]) -> None:
    assert bands(text) == expected


def test_a_range_of_years_with_another_count_names_no_single_years() -> None:
    # 小1から小6まで spans six years: two children in it are not one child per year.
    assert len(bands("小1から小6までの2人")) != 6
