"""Household reader: steps still to come, facts said again, member lists, kanji-numeral dates, kana and dialect."""

from datetime import date

import pytest

from kodomo_ai.rules.household import normalise_description, read_household

DEC = date(2026, 12, 4)  # school year 2026: a cohort with クラス年齢 N is N or N+1 years old
FEB = date(2027, 2, 15)  # the same school year, before the coming April
MAR = date(2027, 3, 20)


def bands(text: str, on: date = DEC) -> list[tuple[int, int]]:
    return [(c.age_min, c.age_max) for c in read_household(text, on).children]


@pytest.mark.parametrize(
    ("text", "on", "expected"),
    [
        # A school year of the coming April is the year below now.
        ("娘は来月から中1になります", MAR, [(11, 12)]),
        ("4月から高校3年になる長男", FEB, [(16, 17)]),
        ("息子は次の4月で小学5年生に上がる", DEC, [(9, 10)]),
        ("来年は小6です", DEC, [(10, 11)]),
        ("長女は高1。来年は高2で文理選択です", DEC, [(15, 16)]),  # the coming year of the same child
        ("4月から小4になった娘", DEC, [(9, 10)]),  # said with a past form: the April just passed
        ("今年の4月から中2です", DEC, [(13, 14)]),  # this school year's April, already past in December
        # A kindergarten class of the coming year said with the time as the topic.
        ("来年度は年中です", DEC, [(3, 4)]),
        # 0歳児クラス of the coming April: born since the last 1 April.
        ("4月から0歳児クラスに入れたい下の子と、年少の上の子", FEB, [(3, 4), (0, 0)]),
        # A birthday to come in a named month: not that age yet.
        ("息子は来年の2月に3歳になります", DEC, [(2, 2)]),
        ("3月で7歳になる娘", DEC, [(6, 6)]),
        ("今月で4歳になる", DEC, [(3, 4)]),  # this month: before or after the birthday
        ("娘は来年3月で4歳です", DEC, [(3, 3)]),  # the age of a coming month, said with a copula
        # A step in the form that joins clauses.
        ("兄は去年の4月に高校に進学し、弟は小5です", DEC, [(16, 17), (10, 11)]),
    ],
)
def test_steps_still_to_come(text: str, on: date, expected: list[tuple[int, int]]) -> None:
    assert bands(text, on) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The same child said again in a later sentence that names no child: its class, or its exact age.
        ("年中の息子がいます。来年度から年長に上がるので延長保育を使いたい", [(4, 5)]),
        ("小6の娘がいます。来年から中学に上がるので心配です", [(11, 12)]),
        ("生後2か月の赤ちゃんがいます。0歳でも預けられますか", [(0, 0)]),
        ("5歳の息子(年長)がいます。年長なので来年は小学生です", [(5, 5)]),
        # 上がる is a verb, not 上が (the older one).
        ("小3の娘がいます。4年生に上がる前に相談したい", [(8, 9)]),
        # Twins still expected are no children.
        ("お腹に双子がいて、上の娘は6歳です", [(6, 6)]),
        ("長女は2歳。双子を妊娠しています", [(2, 2)]),
        # A bare year after a level it cannot have is a 小学 year.
        ("高校生の長男と、5年生の次男", [(15, 18), (10, 11)]),
        # Attending a kindergarten or a nursery is a stage; wishing to is not.
        ("上は小学生、下は幼稚園に通っています", [(6, 12), (3, 6)]),
        ("子どもを保育園に通わせたいです", []),
        ("子どもを中学校に通わせたいけれど", []),
        # Places listed before one verb each hold a child.
        ("保育園と小学校に1人ずつ通っています", [(6, 12), (0, 6)]),
        # A school year reached as a limit or a condition names no child.
        ("高校生になるまで手当は出ますか", []),
        ("小4になると学童を出る子が多い", []),
        ("中学校に上がったら部活の費用は", []),
    ],
)
def test_the_same_child_and_unborn_twins(text: str, expected: list[tuple[int, int]]) -> None:
    assert bands(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("世帯員:父(50)、長女(15・中3)、次男(11・小5)", [(15, 15), (11, 11)]),
        ("子(高1・16)、子(年少・4)。母(38)パート", [(16, 16), (4, 4)]),
        ("娘(8歳・小2)と私(41歳)", [(8, 8)]),
        ("子ども(9・4)", [(9, 9), (4, 4)]),
        ("世帯:母39(無職)、長男14(中2)、次女7、", [(14, 14), (7, 7)]),  # the age right after the name
    ],
)
def test_member_lists(text: str, expected: list[tuple[int, int]]) -> None:
    assert bands(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("平成二十九年十一月三日生まれの息子", [(9, 9)]),
        ("令和四年二月生まれの娘", [(4, 4)]),
        ("うちの子は5つと2つや", [(5, 5), (2, 2)]),
        ("孫は4つじゃ", [(4, 4)]),
    ],
)
def test_kanji_dates_and_dialect_ages(text: str, expected: list[tuple[int, int]]) -> None:
    assert bands(text) == expected


def test_kanji_month_is_a_digit() -> None:
    assert normalise_description("令和元年十二月一日") == "令和元年12月1日"


@pytest.mark.parametrize(
    ("text", "monthly"),
    [
        ("しゅう3で 1にち 6じかん", [78]),  # 18 h a week × 52 / 12
        ("つき12にち、1にち5じかん", [60]),
        ("しゅう2かい、1かい4じかん", [35]),  # 8 h a week × 52 / 12 = 34.7
        ("しゅう みっか、いちにち 4じかん", [52]),  # days counted natively after a week
    ],
)
def test_working_time_in_kana(text: str, monthly: list[int]) -> None:
    assert [w.hours_per_month for w in read_household(text, DEC).parents.work] == monthly


@pytest.mark.parametrize(
    ("text", "on_leave"),
    [
        ("育休明けで今はフルタイム勤務です", False),
        ("育休が明けて5月から働いています", False),
        ("育休明けで復帰予定です", None),
        ("育休明けに入園させたい", None),
    ],
)
def test_a_leave_that_has_ended(text: str, on_leave: bool | None) -> None:
    assert read_household(text, DEC).parents.on_leave is on_leave
