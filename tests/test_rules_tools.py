"""apply_rules: questions that must be computed, questions that must ask, and questions left to retrieval."""

from datetime import date

import pytest

from kodomo_ai.rules.question import normalise, read_question
from kodomo_ai.rules.tools import apply_rules
from kodomo_ai.text.numbers import kanji_to_int

TODAY = date(2026, 11, 26)


def ask(question: str):
    return apply_rules(question, today=TODAY)


def test_part_time_80_hours_is_short_hours_with_the_lower_limit() -> None:
    outcome = ask("パートで月80時間働いてたら標準時間になれる？")
    assert outcome is not None
    assert (outcome.rule, outcome.status) == ("certification", "computed")
    assert outcome.result["care_need"] == "short"
    assert "保育短時間" in outcome.text and "120時間" in outcome.text and "64時間" in outcome.text
    assert outcome.text.count("。") <= 3
    assert any(c.doc_id == "midori-hitsuyou-kijun" for c in outcome.citations)
    assert outcome.steps


def test_three_children_without_ages_asks_one_question() -> None:
    outcome = ask("子ども3人いるけど児童手当いくら？")
    assert outcome is not None
    assert (outcome.rule, outcome.status) == ("child_allowance", "needs_input")
    assert outcome.text == "お子さんそれぞれの年齢（または生年月日）を教えてください。"
    assert outcome.text.count("？") + outcome.text.count("。") == 1


def test_three_children_with_ages() -> None:
    outcome = ask("子どもが15歳、12歳、8歳の3人です。児童手当は月いくら？")
    assert outcome is not None and outcome.status == "computed"
    assert outcome.result["monthly_total"] == 50000
    assert "10,000円＋10,000円＋30,000円＝50,000円" in outcome.text
    assert {c.doc_id for c in outcome.citations} == {"nat-jido-teate"}


def test_unlicensed_four_year_old_cap() -> None:
    outcome = ask("認可外に通う4歳の子、無償化でいくらまで？")
    assert outcome is not None and (outcome.rule, outcome.status) == ("free_childcare", "computed")
    assert outcome.result["monthly_cap"] == 37000
    assert "37,000円" in outcome.text


@pytest.mark.parametrize(
    "question",
    [
        "児童手当の申請はどこで？",
        "児童手当っていくら？",
        "保育料ってどうやって決まるの？",
        "利用調整の指数ってどう計算するの？",
        "標準時間と短時間の違いは？",
        "子どもが熱を出した",
        "今日はいい天気",
        "児童手当の振込日は何日？",
    ],
)
def test_general_questions_are_left_to_retrieval(question: str) -> None:
    assert ask(question) is None


@pytest.mark.parametrize(
    ("question", "rule", "status", "check"),
    [
        (
            "子ども三人いて、十五歳と十二歳と八歳。児童手当はいくら？",
            "child_allowance",
            "computed",
            ("monthly_total", 50000),
        ),
        (
            "上の子が大学生で、下に高校生と5歳がいます。児童手当はいくら？",
            "child_allowance",
            "computed",
            ("monthly_total", 40000),
        ),
        (
            "4歳と1歳の子がいます。児童手当は合計いくら？",
            "child_allowance",
            "computed",
            ("monthly_total", 25000),
        ),
        (
            "子どもが3人で、10歳と7歳です。児童手当いくら？",
            "child_allowance",
            "needs_input",
            ("missing", "children"),
        ),
        ("週4日1日6時間のパートだと短時間？", "certification", "computed", ("care_need", "short")),
        (
            "週四日、一日六時間パートです。標準時間になる？",
            "certification",
            "computed",
            ("care_need", "short"),
        ),
        (
            "夫婦とも月160時間働いてます。2歳の子は何号認定？",
            "certification",
            "computed",
            ("certification", "3号"),
        ),
        ("月50時間のパートで保育園に入れる？", "certification", "computed", ("needs_care", False)),
        ("うちは標準時間になれる？", "certification", "needs_input", ("missing", "hours")),
        ("夫はフルタイム、私は求職中。利用調整の指数は何点？", "allocation_index", "computed", ("total", 13)),
        (
            "夫は月160時間で私は月80時間、育休明けです。指数は何点？",
            "allocation_index",
            "computed",
            ("total", 17),
        ),
        (
            "ひとり親で月120時間働いています。指数は何点になりますか？",
            "allocation_index",
            "computed",
            ("total", 21),
        ),
        ("私は月100時間働いてます。指数は何点？", "allocation_index", "needs_input", ("missing", "parents")),
        (
            "1歳の子を認可外に預けたら無償？",
            "free_childcare",
            "needs_input",
            ("missing", "resident_tax_exempt"),
        ),
        (
            "非課税世帯で1歳の子を認可外に預けたらいくらまで無料？",
            "free_childcare",
            "computed",
            ("monthly_cap", 42000),
        ),
        ("3歳の子、認可外でいくらまでタダ？", "free_childcare", "needs_input", ("missing", "birth_date")),
        (
            "子どもが4歳なんですが無償化でいくらまで？",
            "free_childcare",
            "needs_input",
            ("missing", "facility_type"),
        ),
        (
            "幼稚園の預かり保育を月15日使う4歳の子、いくらまで無料？",
            "free_childcare",
            "computed",
            ("benefit", 6750),
        ),
        (
            "月5万円の認可外に5歳の子を預けてる。無償化でいくら戻る？",
            "free_childcare",
            "computed",
            ("payable", 13000),
        ),
    ],
)
def test_more_questions(question: str, rule: str, status: str, check: tuple[str, object]) -> None:
    outcome = ask(question)
    assert outcome is not None, question
    assert (outcome.rule, outcome.status) == (rule, status)
    key, value = check
    assert outcome.result[key] == value
    if status == "computed":
        assert outcome.steps and outcome.citations
    else:
        assert outcome.text.endswith("。") and not outcome.steps


def test_turning_three_next_month() -> None:
    outcome = ask("来月3歳になるけど保育料って全部タダになるの？")
    assert outcome is not None and outcome.status == "computed"
    assert "2027年4月1日" in outcome.text and "副食費" in outcome.text
    assert any("誕生日" in step for step in outcome.steps)


def test_current_rules_follow_today() -> None:
    old = apply_rules("子どもは17歳、14歳、10歳です。児童手当はいくら？", today=date(2024, 9, 10))
    assert old is not None and old.result["monthly_total"] == 25000 and old.result["regime"] == "kyu"


def test_question_reading() -> None:
    assert kanji_to_int("三") == 3 and kanji_to_int("十五") == 15 and kanji_to_int("百二十") == 120
    assert kanji_to_int("二十二") == 22
    assert normalise("子ども三人、月八十時間、第三子") == "子ども3人、月80時間、第3子"
    assert normalise("一時預かりと一人親") == "一時預かりとひとり親"
    facts = read_question("4歳と1歳")
    assert [c.age for c in facts.children] == [4, 1]
    facts = read_question("週4日1日6時間")
    assert facts.parents[0].hours_per_month == 96
    assert read_question("来月3歳").turning == (3, 1)
    assert read_question("児童手当は18歳までもらえる？").children == []


def test_school_years_from_the_issue_are_computed_with_assumptions() -> None:
    """Issue #15: 中3・小1・年少 → 10,000 + 10,000 + 30,000 = 50,000円 (nat-jido-teate 「月額」「第3子の数え方」)."""
    outcome = apply_rules("上から中3、小1、年少の3人です。児童手当は毎月いくら？", today=date(2026, 12, 4))
    assert outcome is not None and outcome.status == "computed"
    assert outcome.result["monthly_total"] == 50000
    assert "10,000円＋10,000円＋30,000円＝50,000円" in outcome.text
    assert "中学3年生（14〜15歳）として計算しました" in outcome.steps[0]
    assert {c.doc_id for c in outcome.citations} == {"nat-jido-teate"}


def test_asks_for_a_birth_date_only_when_the_amount_depends_on_it() -> None:
    # A 2歳児クラス child is 15,000円 until the month of the 3rd birthday and 10,000円 after: ask.
    outcome = apply_rules("2歳児クラスの子と5歳の子がいます。児童手当はいくら？", today=date(2026, 12, 4))
    assert outcome is not None and outcome.status == "needs_input"
    assert outcome.result["missing"] == "children[1].birth_date"  # oldest first: the 5-year-old is [0]
    assert outcome.text.count("。") == 1 and "2歳児クラス" in outcome.text
    # A supported 大学生 counts for 第3子 but is not paid (nat-jido-teate 「第3子の数え方」).
    college = apply_rules("大学生と高校生と中学生の3人。児童手当はいくら？", today=date(2026, 12, 4))
    assert college is not None and college.result["monthly_total"] == 40000


def test_certificate_type_with_one_parent_asks_for_the_other() -> None:
    outcome = ask("月100時間働いています。2歳の子は何号認定？")
    assert outcome is not None and outcome.status == "needs_input"
    assert outcome.text == "もう一方の保護者の状況（月の就労時間など）を教えてください。"
