"""公用文 style checker, 和暦 dates, notice types and required fields (no index needed)."""

from __future__ import annotations

from datetime import date

import pytest

from kodomo_ai.drafting import check_style, draft_notice, notice_type
from kodomo_ai.drafting.dates import to_wareki_text, wareki_date
from kodomo_ai.drafting.style import StyleProfile
from kodomo_ai.errors import InputError


def rules_of(markdown: str, profile: StyleProfile | None = None) -> list[str]:
    return [f.rule for f in check_style(markdown, profile)]


def test_wareki_dates() -> None:
    assert wareki_date(date(2026, 4, 1)) == "令和8年4月1日（水）"
    assert wareki_date(date(2019, 5, 1), weekday=False) == "令和元年5月1日"
    assert to_wareki_text("2026年（令和8年）10月1日（木）から") == "令和8年10月1日（木）から"
    assert to_wareki_text("2027年(令和9年)2月上旬") == "令和9年2月上旬"


def test_clean_notice_has_no_findings() -> None:
    text = (
        "# 通知\n\n令和8年3月16日\n\n## 件名\n\n申請について審査しました。結果を通知します。\n\n"
        "## 記\n\n| 項目 | 内容 |\n|---|---|\n| 有効期間 | 令和8年4月1日（水）から |\n\n"
        "## 教示\n\n審査請求は3か月以内にできます。取消しの訴えは6か月以内に提起できます。\n\n"
        "## 問い合わせ先\n\nこども家庭課です。\n"
    )
    assert rules_of(text, StyleProfile(needs_kyouji=True)) == []


def test_reviewer_findings() -> None:
    text = (
        "# 通知\n\n申請を受け付けました。審査の結果は次のとおりである。"
        "SIDSを防ぐために仰向けに寝かせます。締切は令和8年10月30日です。"
        "認定は3ヶ月ごとに見直します。子どもの様子を確認します。"
        "この通知は、利用調整の結果として、希望された施設の定員と指数の順位を比べたうえで入所先が決まらなかったことを知らせるものです。\n"
    )
    found = rules_of(text, StyleProfile(needs_kyouji=True))
    for rule in ("mixed-register", "undefined-abbreviation", "date-weekday", "counter", "kodomo",
                 "long-sentence", "missing-contact", "missing-kyouji"):  # fmt: skip
        assert rule in found, rule
    # A defined abbreviation and the statutory 子ども spelling are fine.
    assert rules_of("乳幼児突然死症候群（SIDS）を防ぎます。SIDSは睡眠中に起きます。子ども・子育て支援法によります。",
                    StyleProfile(needs_contact=False)) == []  # fmt: skip


def test_notice_type_aliases_and_unknown() -> None:
    assert notice_type("利用保留通知").key == "riyou-horyu"
    with pytest.raises(InputError) as info:
        notice_type("no-such-notice")
    assert info.value.field == "type"


@pytest.mark.parametrize(
    ("kind", "fields", "missing"),
    [
        (
            "riyou-horyu",
            {"notice_date": "2027-02-05", "admission_date": "2027-04-01", "applicant_id": "A"},
            "allocation",
        ),
        (
            "kyufu-nintei",
            {"notice_date": "2026-03-16", "child_birth_date": "2024-06-10", "parents": [{}]},
            "reference_date",
        ),
        (
            "teate-kaitei",
            {"notice_date": "2026-05-20", "revision_month": "2026-06-01", "children": [{"age": 1}]},
            "contact",
        ),
        ("faq", {}, "question"),
    ],
)
def test_missing_required_field_is_named(kind: str, fields: dict, missing: str) -> None:
    with pytest.raises(InputError) as info:
        draft_notice(kind, fields, retriever=None)  # type: ignore[arg-type]  # fails before retrieval
    assert info.value.field == missing
    assert missing in str(info.value) and "必須" in str(info.value)
