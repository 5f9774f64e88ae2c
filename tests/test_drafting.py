"""Every notice type drafted from the bundled corpus with the extractive engine, as Markdown and DOCX."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from kodomo_ai.drafting import draft_notice
from kodomo_ai.drafting.docx_out import docx_text
from kodomo_ai.errors import InputError
from kodomo_ai.retrieval import Retriever
from kodomo_ai.rules.allocation import allocate

ALLOCATION: dict[str, Any] = {
    "fiscal_year": 2027,
    "facilities": [{"id": "F1", "name": "みどり中央保育園", "capacity": {1: 1}},
                   {"id": "F2", "name": "みどり東保育園", "capacity": {1: 0}}],
    "applicants": [
        {"id": "A-001", "class_age": 1, "choices": ["F1", "F2"],
         "household": {"parents": [{"reason": "work", "hours_per_month": 160}, {"reason": "work", "hours_per_month": 160}]}},
        {"id": "A-002", "class_age": 1, "choices": ["F1", "F2"],
         "household": {"parents": [{"reason": "work", "hours_per_month": 100}, {"reason": "work", "hours_per_month": 120}]}},
    ],
}  # fmt: skip
PERSONAL = {"guardian_name": "緑川花子", "child_name": "緑川そら", "address": "みどり市中央1丁目2番3号"}
CASES: dict[str, dict[str, Any]] = {
    "kyufu-nintei": {"notice_date": "2026-03-16", "child_birth_date": "2024-06-10", "reference_date": "2026-04-01",
                     "parents": [{"reason": "work", "hours_per_month": 160}, {"reason": "work", "hours_per_month": 100}]},
    "riyou-naitei": {"notice_date": "2027-02-05", "admission_date": "2027-04-01", "allocation": ALLOCATION,
                     "applicant_id": "A-001"},
    "riyou-horyu": {"notice_date": "2027-02-05", "admission_date": "2027-04-01", "allocation": ALLOCATION,
                    "applicant_id": "A-002"},
    "shisetsu-kyufu": {"notice_date": "2026-04-10", "child_birth_date": "2021-05-01", "valid_from": "2026-04-01",
                       "facility_type": "kindergarten_unconverted"},
    "teate-kaitei": {"notice_date": "2026-05-20", "revision_month": "2026-06-01",
                     "children": [{"birth_date": "2023-05-15"}, {"birth_date": "2020-01-01"}],
                     "contact": "みどり市 こども家庭課 手当係（電話 000-0000-0000、平日8時30分から17時15分まで）"},
    "kouhou": {"subject": "令和9年4月入所の保育所等の申込み", "query": "4月入所 一次申込み 期間 日程"},
    "faq": {"question": "保育所の入所が保留になったらどうなりますか"},
}  # fmt: skip
EXPECTED = {
    "kyufu-nintei": ["3号認定", "保育短時間（1日最大8時間）", "令和8年4月1日（水）"],
    "riyou-naitei": ["みどり中央保育園", "第1希望", "令和9年4月1日（木）"],
    "riyou-horyu": ["保留", "利用調整の指数"],
    "shisetsu-kyufu": ["新1号認定", "25,700円"],
    "teate-kaitei": ["25,000円", "20,000円", "令和8年6月分から"],
    "kouhou": ["令和8年10月1日", "| 一次申込み |"],
    "faq": ["Q. 保育所の入所が保留になったら"],
}
DISPOSITIONS = {"kyufu-nintei", "riyou-horyu", "shisetsu-kyufu", "teate-kaitei"}
LETTERS = DISPOSITIONS | {"riyou-naitei"}
MARKER = re.compile(r"\[\d{1,3}\]")


@pytest.fixture(scope="module")
def retriever(corpus_kb: Any) -> Retriever:
    return Retriever(corpus_kb)


@pytest.mark.parametrize("kind", list(CASES))
def test_each_notice_type_drafts_with_sources(kind: str, retriever: Retriever, tmp_path: Path) -> None:
    fields = {**CASES[kind], **(PERSONAL if kind in LETTERS else {})}
    result = draft_notice(kind, fields, retriever=retriever)
    assert result.engine == "extractive"
    for expected in EXPECTED[kind]:
        assert expected in result.markdown, expected
    # Placeholders in the draft, real values only in the locally filled copy.
    if kind in LETTERS:
        assert "〔氏名〕 様" in result.markdown and "〔住所〕" in result.markdown
        assert "緑川花子" not in result.markdown and "緑川花子 様" in result.filled
        assert (
            "みどり市中央1丁目2番3号" in result.filled
            and not result.unfilled
            or "〔児童名〕" not in result.filled
        )
    assert result.sources, "every draft cites its sources"
    assert "## 出典" in result.markdown
    rules = [f.rule for f in result.findings]
    assert "ungrounded-number" not in rules, result.findings
    assert "missing-contact" not in rules and "missing-kyouji" not in rules
    assert "seireki" not in rules and "date-weekday" not in rules, result.findings
    if kind in DISPOSITIONS:
        assert (
            "## 教示" in result.markdown and "3か月以内" in result.markdown and "6か月以内" in result.markdown
        )
    # The resident's A4 DOCX carries no citation markers; the caseworker's appendix has them with the sources.
    assert "[1]" in result.markdown and not MARKER.search(result.filled) and "## 出典" not in result.filled
    files = result.write_docx(tmp_path)
    text = docx_text(files["docx"])
    assert result.title in text and not MARKER.search(text) and "出典" not in text
    for expected in EXPECTED[kind]:
        assert expected.strip("| ") in text, expected
    appendix = docx_text(files["sources_docx"])
    assert "職員用" in appendix and "[1]" in appendix
    assert all(source.doc_id in appendix for source in result.sources)
    document = Document(str(files["docx"]))
    assert all(
        abs(s.page_width.mm - 210) < 0.5 and abs(s.page_height.mm - 297) < 0.5 for s in document.sections
    )
    if kind in LETTERS:
        aligned = {p.text: p.alignment for p in document.paragraphs if p.text}
        assert aligned[result.letter.date] == aligned[result.letter.sender] == WD_ALIGN_PARAGRAPH.RIGHT
        assert aligned[result.title] == aligned["記"] == WD_ALIGN_PARAGRAPH.CENTER
        assert "緑川花子 様" in aligned and ("（教示）" in aligned) == (kind in DISPOSITIONS)


def test_horyu_reason_comes_from_the_allocation(retriever: Retriever) -> None:
    placement = next(p for p in allocate(ALLOCATION).placements if p.applicant_id == "A-002")
    result = draft_notice("riyou-horyu", CASES["riyou-horyu"], retriever=retriever)
    assert placement.reason in result.markdown
    assert f"{placement.index}点" in result.markdown


def test_wrong_status_is_reported(retriever: Retriever) -> None:
    with pytest.raises(InputError) as info:
        draft_notice("riyou-horyu", {**CASES["riyou-horyu"], "applicant_id": "A-001"}, retriever=retriever)
    assert info.value.field == "applicant_id" and "内定" in info.value.reason
