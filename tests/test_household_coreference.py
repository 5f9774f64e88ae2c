"""Household reader: whose an age is, the same child mentioned twice, counts then lists, negation, both parents."""

from datetime import date

import pytest

from kodomo_ai.rules.household import normalise_description, read_household
from kodomo_ai.rules.household_parents import read_parents
from kodomo_ai.text.kana import fold_half_width_kana

DEC = date(2026, 12, 4)  # school year 2026: a cohort with クラス年齢 N is N or N+1 years old
FEB = date(2027, 2, 10)  # the same school year, before the next April


def bands(text: str, on: date = DEC) -> list[tuple[int, int]]:
    return [(c.age_min, c.age_max) for c in read_household(text, on).children]


def parents(text: str) -> dict[str, object]:
    return read_parents(normalise_description(text)).as_dict()


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("7歳の息子と2歳のトイプードル", [(7, 7)]),  # the age modifies the dog
        ("娘は4歳、金魚は1歳になります", [(4, 4)]),  # said of the goldfish
        ("ハムスター(1歳)と小2の娘", [(7, 8)]),
        ("子犬が3か月、長女が10歳", [(10, 10)]),  # 子犬 is a pet, not 子
        ("父子家庭で、息子は6歳", [(6, 6)]),  # 父子 names neither a parent nor a child alone
        ("私は29歳、息子は2歳", [(2, 2)]),
        ("33歳の夫と、4歳の娘", [(4, 4)]),
    ],
)
def test_an_age_belongs_to_the_noun_it_is_said_of(text: str, want: list[tuple[int, int]]) -> None:
    assert bands(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # the same name in a later sentence, with a window that fits, is the same child
        ("次男は年中です。次男はこの前5歳になりました。", [(5, 5)]),
        ("長女は高1、長男は小5。長男は11歳です。", [(15, 16), (11, 11)]),
        ("りくくんは小6です。りくくんは12歳。", [(12, 12)]),
        # a name whose windows do not fit is not joined
        ("長男は中2です。長男は5歳です。", [(13, 14), (5, 5)]),
        # 「…のほう」 points back at a child already named
        ("年長と小2の姉妹です。小2のほうが姉です。", [(7, 8), (5, 6)]),
        # a sentence naming no child adds another kind of fact to the child just before
        ("2019年8月生まれの娘がいます。この前7歳になりました。", [(7, 7)]),
        # but a sentence naming another child is another child
        ("2019年8月生まれの娘がいます。下の子は5歳です。", [(7, 7), (5, 5)]),
    ],
)
def test_a_child_mentioned_again_is_counted_once(text: str, want: list[tuple[int, int]]) -> None:
    assert bands(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("高校生が2人おり、高3と高1です", [(17, 18), (15, 16)]),
        ("小学生の子が3人。5年生、3年生、1年生。", [(10, 11), (8, 9), (6, 7)]),
        # a count followed by fewer children than it counts keeps the count
        ("小学生が2人と、年少が1人", [(6, 12), (6, 12), (3, 4)]),
    ],
)
def test_a_count_then_its_list_is_read_once(text: str, want: list[tuple[int, int]]) -> None:
    assert bands(text) == want


def test_a_class_wished_for_is_the_class_of_the_child_described() -> None:
    assert bands("1歳児クラスへの入園を希望しています。息子は1歳8か月です。") == [(1, 1)]
    assert bands("年少クラスに入園予定の娘") == [(3, 4)]  # alone, it is the child


def test_a_student_can_be_older_than_the_school_year() -> None:
    # 浪人 or a repeated year: an exact age up to two years above a 大学 year is the same student
    assert bands("長女は大学2年で、21歳です") == [(21, 21)]
    assert bands("長男は高校2年で、19歳です") == [(19, 19), (16, 17)]  # not for school years


@pytest.mark.parametrize(
    ("text", "on", "want"),
    [
        ("平成31年生まれ", DEC, [(7, 7)]),  # 平成31年 ended on 30 April 2019
        ("令和元年生まれ", DEC, [(6, 7)]),  # 令和元年 began on 1 May 2019
        ("昭和64年生まれの長男", DEC, [(37, 37)]),  # 昭和64年: 1-7 January 1989
    ],
)
def test_an_era_year_is_only_the_part_of_the_year_in_that_era(
    text: str, on: date, want: list[tuple[int, int]]
) -> None:
    assert bands(text, on) == want


@pytest.mark.parametrize(
    ("text", "on", "want"),
    [
        ("今年の春から中学生になった息子", DEC, [(12, 13)]),
        ("この春から高校に通っている娘", DEC, [(15, 16)]),
        ("この春から中学生の娘", FEB, [(11, 12)]),  # said in February: the coming April
        ("息子は4月に小学生になりました", DEC, [(6, 7)]),
        ("中学に上がったら部活をさせたい", DEC, []),  # a condition names no child
        ("娘は来春、中学校を卒業します", DEC, [(14, 15)]),
        ("息子は来年度で小学校を卒業します", DEC, [(10, 11)]),
        ("高校卒業まで手当はありますか", DEC, []),  # a limit, not a child
        ("高校を卒業した長女", DEC, []),  # finished: no school year to read
    ],
)
def test_steps_into_and_out_of_a_school(text: str, on: date, want: list[tuple[int, int]]) -> None:
    assert bands(text, on) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("娘はもうじき4歳です", [(3, 3)]),
        ("来月で2歳になる息子", [(1, 1)]),
        ("あと2か月で5歳になる娘", [(4, 4)]),
        ("先月生まれた次女と、6歳の長女", [(6, 6), (0, 0)]),
        ("9月に生まれた息子", [(0, 0)]),
        ("生後10日の赤ちゃん", [(0, 0)]),
        ("息子11か月。", [(0, 0)]),
        ("今日がちょうど5歳の誕生日の息子", [(5, 5)]),
        ("娘が4歳になりました。4歳児健診はいつですか", [(4, 4)]),
    ],
)
def test_ages_said_around_a_birthday(text: str, want: list[tuple[int, int]]) -> None:
    assert bands(text) == want


def test_half_width_katakana_is_read_as_kana_but_loanwords_stay() -> None:
    assert fold_half_width_kana("ﾑｽﾒﾊ 6ｻｲ") == "むすめは 6さい"
    assert fold_half_width_kana("ｼﾝｸﾞﾙﾏｻﾞｰ") == "シングルマザー"
    assert fold_half_width_kana("全角のカタカナ") == "全角のカタカナ"
    assert bands("ﾁｭｳｶﾞｸ1ﾈﾝｾｲﾄ 3ｻｲﾃﾞｽ") == [(12, 13), (3, 3)]


def test_circled_list_numbers_do_not_glue_to_ages() -> None:
    assert bands("①8歳 ②1歳児クラス") == [(8, 8), (1, 2)]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("うちは住民税非課税世帯ではないです", {"tax_exempt": False}),
        ("非課税には該当しません", {"tax_exempt": False}),
        ("住民税は課税されています", {"tax_exempt": False}),
        ("住民税は課税されていません", {}),  # nothing read rather than the opposite
        ("非課税かどうか分かりません", {}),
        ("非課税世帯です", {"tax_exempt": True}),
        ("育休中ではありません", {"on_leave": False}),
        ("去年育休から復帰しました", {"on_leave": False}),
        ("育休明けで復帰予定です", {}),  # a plan says nothing about now
        ("妻が育休を取得中", {"on_leave": True}),
    ],
)
def test_a_stated_fact_can_be_denied_in_its_clause(text: str, want: dict[str, object]) -> None:
    assert parents(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("私と夫はともに週4日、1日6時間", [104, 104]),
        ("妻も私も月100時間ほど働いています", [100, 100]),
        ("共働きで、2人とも週20時間", [87, 87]),
        # 2人とも about the children, in another sentence, is not about the parents' hours
        ("息子2人とも保育園です。私は週4日・1日5時間", [87]),
        ("夫は週5で1日9時間半", [206]),  # 9.5 × 5 × 52 / 12 = 205.8
        ("8時~17時(休憩1時間)で週4日", [139]),  # 8 hours × 4 × 52 / 12 = 138.7
        ("わしは週6の10時間や", [260]),
    ],
)
def test_hours_said_once_for_both_parents_or_with_halves_and_breaks(text: str, want: list[int]) -> None:
    assert parents(text).get("hours_per_month") == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("4月から1歳児クラスの息子", [(0, 1)]),  # next year's class: 0歳児クラス now
        ("次の4月で年中になる娘", [(3, 4)]),
        ("今年の4月から年少の娘", [(3, 4)]),  # the April just passed: this year's class
        ("小学校を今年度で卒業する娘", [(11, 12)]),
        (
            "この春に中学を卒業し、高校生になった息子",
            [(15, 16)],
        ),  # 卒業し is done; 高校生になった is the child
        ("今年中に3歳になる娘", [(2, 3)]),  # 今年中 holds no 年中 class
        ("去年中学を卒業した長男", []),
    ],
)
def test_classes_and_schools_of_the_coming_or_past_april(text: str, want: list[tuple[int, int]]) -> None:
    assert bands(text) == want


def test_days_off_a_week_and_a_divorce_under_way() -> None:
    assert parents("完全週休2日制で1日7時間") == {"hours_per_month": [152]}
    assert parents("離婚協議中で、まだ夫婦です") == {"single_parent": False}
    assert parents("昨年離婚しました") == {"single_parent": True}
