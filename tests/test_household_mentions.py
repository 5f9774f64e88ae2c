"""Household reader: hiragana spellings, one child per mention, counts, twins, adults and unborn children."""

from datetime import date

import pytest

from kodomo_ai.rules.household import normalise_description, read_child, read_household
from kodomo_ai.text.kana import kana_to_int, spell_numbers, spell_words

DEC = date(2026, 12, 4)  # school year 2026: a cohort with クラス年齢 N is N or N+1 years old


def bands(text: str, on: date = DEC) -> list[tuple[int, int]]:
    return [(c.age_min, c.age_max) for c in read_household(text, on).children]


@pytest.mark.parametrize(
    ("reading", "value"),
    [
        ("ご", 5),
        ("じゅう", 10),
        ("じゅっ", 10),
        ("じゅうなな", 17),
        ("さんじゅういっ", 31),
        ("きゅうじゅうきゅう", 99),
    ],
)
def test_kana_numbers(reading: str, value: int) -> None:
    assert kana_to_int(reading) == value


def test_kana_to_int_rejects_words() -> None:
    with pytest.raises(ValueError):
        kana_to_int("さくら")


@pytest.mark.parametrize(
    ("text", "spelled"),
    [
        ("ろくさいのこ", "6歳のこ"),
        ("いっさいとはっさい", "1歳と8歳"),
        ("12さい", "12歳"),
        ("ろっかげつ", "6か月"),
        ("さんにん", "3人"),
        ("いつつ", "5つ"),
        ("ふたりです", "2人です"),
        ("ひとり親", "ひとり親"),  # not a count
        ("ひとりで育てて", "ひとりで育てて"),
        ("くださいね", "くださいね"),  # さい that is not a counter
        ("ございます", "ございます"),
    ],
)
def test_spell_numbers(text: str, spelled: str) -> None:
    assert spell_numbers(text) == spelled


def test_spell_words_takes_the_longest_spelling() -> None:
    words = {"こうこう": "高校", "こうこうせい": "高校生"}
    assert spell_words("こうこうせいとこうこう", words) == "高校生と高校"


def test_description_is_normalised_before_reading() -> None:
    assert normalise_description("ちゅうがくよねんせい") == "中学4年生"  # read, then refused as a grade
    assert normalise_description("ねんちょうさん と ２さいはん") == "年長さんと2歳半"
    assert normalise_description("上から14、11、6歳") == "上から14歳、11歳、6歳"
    assert normalise_description("次女（7）") == "次女(7歳)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numbers and school years in hiragana, full-width digits, half-width katakana
        ("むすこはろくさい、むすめはさんさい", [(6, 6), (3, 3)]),
        ("ちゅうがくにねんせいと、しょうがく1ねんせい", [(13, 14), (6, 7)]),
        ("ねんしょうさんが１人", [(3, 4)]),
        ("じゅうろくさいとじゅういっさい", [(16, 16), (11, 11)]),
        # an age and a school year about the same child are one child
        ("長男は大学4年生、22歳です。", [(22, 22)]),
        ("高校3年（18歳）の娘", [(18, 18)]),
        ("娘は2009年生まれで、いま高校3年です", [(17, 17)]),
        # …unless the stated number of children says they are two
        ("子どもは2人。大学4年生、22歳です。", [(22, 22), (21, 22)]),
        # a named child after a clause break is another child even when the ages could match
        ("上の子が5歳で下の子が年中", [(5, 5), (4, 5)]),
        ("長男は中3、14歳の次男", [(14, 15), (14, 14)]),
        # twins and triplets given once
        ("平成31年2月14日生まれの双子", [(7, 7), (7, 7)]),
        ("双子です。どちらも2020年10月生まれ。", [(6, 6), (6, 6)]),
        ("三つ子の1歳児クラス", [(1, 2), (1, 2), (1, 2)]),
        ("2歳の子が2人（双子）と5歳", [(5, 5), (2, 2), (2, 2)]),
        # counts
        ("中学生が2人います", [(12, 15), (12, 15)]),
        ("子ども2人（小学生）", [(6, 12), (6, 12)]),
        ("2人とも高校生", [(15, 18), (15, 18)]),
        ("3年生と6年生の小学生2人", [(11, 12), (8, 9)]),
        ("高校生の娘が2人（高1と高3）", [(17, 18), (15, 16)]),
        # adult children count when named as children; parents' ages do not
        ("長女は27歳で会社員、長男は小5", [(27, 27), (10, 11)]),
        ("31歳の息子と19歳の娘", [(31, 31), (19, 19)]),
        ("夫(45歳)と私(43歳)、子どもは12歳", [(12, 12)]),
        ("37歳のパパです。子どもは年中", [(4, 5)]),
        # unborn children are not children yet
        ("来月出産予定の赤ちゃんと、2歳の娘", [(2, 2)]),
        ("妊娠7か月です。上の子は6歳", [(6, 6)]),
        # school years without their level take the one named before
        ("中学3年と1年の兄弟", [(14, 15), (12, 13)]),
        ("小学生（6年）", [(11, 12)]),
        # ages in brackets and in the native count
        ("長女(15)、次男(8)", [(15, 15), (8, 8)]),
        ("4つと1つの姉妹", [(4, 4), (1, 1)]),
        # 和暦 given by letter, birth month only
        ("R2.11生まれ", [(6, 6)]),
        ("2019年12月生まれ", [(6, 7)]),
        ("R4生まれ", [(3, 4)]),
        ("2017.9生まれ", [(9, 9)]),
        # 年度生まれ is a school-year cohort: born 2 April 2018 .. 1 April 2019
        ("平成30年度生まれ", [(7, 8)]),
        ("おととしの8月に生まれた娘", [(2, 2)]),
        ("小学校中学年", [(8, 10)]),
        # ages that are not a child's: ranges, limits, conditions, terms
        ("0〜2歳は有料ですか。うちの子は1歳", [(1, 1)]),
        ("4歳になったら無料？子どもは3歳", [(3, 3)]),
        ("小1の壁が心配です。娘は年長", [(5, 6)]),
        ("学童は小学1年生から6年生までですか？うちは小3", [(8, 9)]),
        ("高校生までの医療費助成はありますか。子どもは中1", [(12, 13)]),
        ("年少から入園させたい2歳の娘", [(2, 2)]),
        ("双生児で、ともに4歳", [(4, 4), (4, 4)]),
        ("年中（5）と小2（7）", [(7, 7), (5, 5)]),
    ],
)
def test_mentions(text: str, expected: list[tuple[int, int]]) -> None:
    assert bands(text) == expected


@pytest.mark.parametrize(
    ("field", "band"),
    [("2019-05-01", (7, 7)), ("R3.5.10", (5, 5)), ("令和2年4月1日", (6, 6)), ("2019/12", (6, 7))],
)
def test_read_child_reads_a_bare_date(field: str, band: tuple[int, int]) -> None:
    child = read_child(field, DEC)
    assert (child.age_min, child.age_max) == band


def test_a_joined_mention_keeps_one_basis_and_drops_the_school_year_assumption() -> None:
    reading = read_household("大学4年(22歳)の長男と中1の次男", DEC)
    eldest, youngest = reading.children
    assert eldest.basis == "大学4年(22歳)" and eldest.assumption == ""
    assert youngest.assumption.startswith("中学1年生（12〜13歳）として計算しました")


def test_adult_child_is_kept_but_not_supported() -> None:
    reading = read_household("長男は社会人（26歳）、次男は高2", DEC)
    assert [(c.age_min, c.age_max, c.supported) for c in reading.children] == [
        (26, 26, False),
        (16, 17, True),
    ]


def test_a_household_count_is_not_a_count_of_children() -> None:
    reading = read_household("母と子ども2人の3人家族で、子どもは10歳と6歳", DEC)
    assert reading.stated_count == 2 and bands("娘と2人暮らしです。娘は4歳") == [(4, 4)]


@pytest.mark.parametrize(
    ("text", "parents"),
    [
        ("保護者は父のみです", {"single_parent": True}),
        ("妻はいません。息子と暮らしています", {"single_parent": True}),
        ("母ひとりで子育てしています", {"single_parent": True}),
        ("夫とは死別しました", {"single_parent": True}),
        ("シングルファーザーで週に35時間働いています", {"single_parent": True, "hours_per_month": [152]}),
        ("父子家庭ではありません", {"single_parent": False}),
        ("夫が単身赴任中で、ひとりで子育てしています", {"single_parent": False}),
        ("週3で1日6時間", {"hours_per_month": [78]}),
        ("月に12日、1日8時間", {"hours_per_month": [96]}),
        ("週25時間", {"hours_per_month": [108]}),  # not 2 days of 5 hours
        ("月100h、週30hr", {"hours_per_month": [100, 130]}),
    ],
)
def test_parents_as_stated(text: str, parents: dict) -> None:
    assert read_household(text, DEC).parents.as_dict() == parents
