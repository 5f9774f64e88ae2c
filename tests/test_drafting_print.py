"""Printed documents without an index: A4 page, 公用文 alignment, plain black styles, page breaks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from kodomo_ai.drafting.docx_out import PAGE_BREAK, docx_text, markdown_to_docx
from kodomo_ai.drafting.docx_style import GOTHIC, MINCHO
from kodomo_ai.drafting.layout import NoticeLayout, strip_markers
from kodomo_ai.drafting.notice_docx import write_notice_docx

LETTER = NoticeLayout(
    title="保育所等利用保留通知書",
    body=["〔児童名〕さんの申込みについて、利用調整を行いました。", "二次の利用調整の対象になります。[1]"],
    number="みどりこ第12号", date="令和9年2月5日", addressee=["〔住所〕", "〔氏名〕 様"], sender="みどり市長",
    items=[("申込みのこども", "〔児童名〕"), ("結果", "保留（入所先が決まっていません）")],
    kyouji=["この処分に不服があるときは、審査請求をすることができます。"],
    contact=["こども家庭課（電話 000-0000-0000）です。[2]"],
)  # fmt: skip


def is_a4(section: Any) -> bool:
    return abs(section.page_width.mm - 210) < 0.5 and abs(section.page_height.mm - 297) < 0.5


def paragraph(document: Any, text: str) -> Any:
    return next(p for p in document.paragraphs if p.text == text)


def test_layout_review_copy_keeps_markers_resident_copy_has_none() -> None:
    assert "[1]" in LETTER.markdown() and "[2]" in LETTER.markdown()
    resident = LETTER.resident()
    assert "[" not in resident.markdown()
    assert resident.body[1] == "二次の利用調整の対象になります。"
    assert strip_markers("です。[3]ます。[12]") == "です。ます。"
    filled = resident.map(lambda text: text.replace("〔氏名〕", "緑川花子"))
    assert filled.addressee == ["〔住所〕", "緑川花子 様"] and LETTER.addressee[1] == "〔氏名〕 様"


def test_notice_docx_is_a4_in_kouyoubun_layout(tmp_path: Path) -> None:
    path = write_notice_docx(LETTER, tmp_path / "notice.docx")
    document = Document(str(path))
    assert all(is_a4(s) for s in document.sections)
    texts = [p.text for p in document.paragraphs if p.text]
    # Print order: number, date, addressee, sender, title, body, 記, items, 以上, 教示.
    order = ["みどりこ第12号", "令和9年2月5日", "〔住所〕", "〔氏名〕 様", "みどり市長", "保育所等利用保留通知書", "記", "以上", "（教示）"]  # fmt: skip
    assert [t for t in texts if t in order] == order
    right, centre = WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.CENTER
    for text in ("みどりこ第12号", "令和9年2月5日", "みどり市長", "以上"):
        assert paragraph(document, text).alignment == right, text
    for text in ("保育所等利用保留通知書", "記"):
        assert paragraph(document, text).alignment == centre, text
    assert paragraph(document, "〔氏名〕 様").alignment in (None, WD_ALIGN_PARAGRAPH.LEFT)
    body = paragraph(document, LETTER.body[0])
    assert body.paragraph_format.first_line_indent is not None and body.paragraph_format.first_line_indent > 0
    assert "1　申込みのこども\t〔児童名〕" in texts and "2　結果\t保留（入所先が決まっていません）" in texts
    text = docx_text(path)
    assert "[1]" not in text and "[2]" not in text and "二次の利用調整の対象になります。" in text
    assert "問い合わせ先" in text and "000-0000-0000" in text
    # Plain black text in Mincho and Gothic: no Word heading styles (their blue theme colour).
    assert not any(p.style.name.startswith(("Heading", "Title")) for p in document.paragraphs)
    xml = document.element.xml + document.styles.element.xml
    assert "themeColor" not in document.element.xml
    assert f'w:eastAsia="{MINCHO}"' in xml and f'w:eastAsia="{GOTHIC}"' in xml


def test_public_text_has_no_letter_header(tmp_path: Path) -> None:
    faq = NoticeLayout(title="よくある質問", question="保留になったら？", body=["二次の調整があります。[1]"])
    document = Document(str(write_notice_docx(faq, tmp_path / "faq.docx")))
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts == ["よくある質問", "Q. 保留になったら？", "A. 二次の調整があります。"]


def test_markdown_docx_headings_are_black_and_page_breaks_hold(tmp_path: Path) -> None:
    markdown = f"# 確認テスト\n\n## 問1\n\n- **場面**: 午睡中[1]\n\n1. 出典その一\n\n{PAGE_BREAK}\n# 解答と根拠\n\n- 問1: A\n"
    document = Document(str(markdown_to_docx(markdown, tmp_path / "quiz.docx")))
    assert all(is_a4(s) for s in document.sections)
    key = paragraph(document, "解答と根拠")
    assert key.paragraph_format.page_break_before is True
    assert not paragraph(document, "確認テスト").paragraph_format.page_break_before
    for level in (1, 2):
        style = document.styles[f"Heading {level}"]
        assert str(style.font.color.rgb) == "000000"
        r_fonts = style.element.rPr.find(qn("w:rFonts"))
        assert r_fonts.get(qn("w:eastAsia")) == GOTHIC and r_fonts.get(qn("w:asciiTheme")) is None
        assert style.element.rPr.find(qn("w:color")).get(qn("w:themeColor")) is None
    bullet = paragraph(document, "場面: 午睡中[1]")
    assert bullet.runs[0].bold and bullet.runs[-1].font.superscript and "**" not in bullet.text
    assert paragraph(document, "1. 出典その一")  # the written number stays (it must match the [n] markers)
