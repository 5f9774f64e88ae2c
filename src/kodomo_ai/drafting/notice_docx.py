"""Print a notice in 公用文 layout on A4: number and date right, addressee left, sender right, title centred."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kodomo_ai.drafting.docx_style import BODY_PT, GOTHIC, plain_document, set_font
from kodomo_ai.drafting.layout import NoticeLayout

LETTER_PT = 12.0  # a letter to a household is read by anyone: one size up from the default
SMALL_PT = 10.0  # 教示 and the contact box, as is customary
ITEM_TAB_MM = 50  # where the values of the 記 items start
CONTACT_MM = 100  # the contact box: a little over half the line, on the right


def _paragraph(document: Any, text: str = "", *, align: str = "left", size: float = LETTER_PT,
               indent_first: bool = False, gothic: bool = False, bold: bool = False) -> Any:  # fmt: skip
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                           "center": WD_ALIGN_PARAGRAPH.CENTER, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]  # fmt: skip
    if indent_first:
        # 公用文: each paragraph starts one character in.
        paragraph.paragraph_format.first_line_indent = Pt(size)
    if text:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        if gothic:
            set_font(run, GOTHIC)
    return paragraph


def _items(document: Any, items: list[tuple[str, str]]) -> None:
    """記 items: 「1　認定区分」 then the value at a tab stop, long values wrapping under the value."""
    from docx.shared import Mm, Pt

    for number, (label, value) in enumerate(items, 1):
        paragraph = _paragraph(document, f"{number}　{label}\t{value}")
        fmt = paragraph.paragraph_format
        fmt.tab_stops.add_tab_stop(Mm(ITEM_TAB_MM))
        fmt.left_indent = Mm(ITEM_TAB_MM)
        fmt.first_line_indent = -Mm(ITEM_TAB_MM - 5)
        fmt.space_after = Pt(4)


def _table(document: Any, rows: list[list[str]]) -> None:
    from docx.shared import Pt

    header, *body = rows
    table = document.add_table(rows=len(rows), cols=len(header))
    table.style = "Table Grid"
    for r, cells in enumerate([header, *body]):
        for c, text in enumerate(cells[: len(header)]):
            run = table.cell(r, c).paragraphs[0].add_run(text)
            run.font.size = Pt(BODY_PT)
            if r == 0:
                run.bold = True
                set_font(run, GOTHIC)


def _contact_box(document: Any, contact: list[str]) -> None:
    """The 問い合わせ先 in a framed box on the right, as municipal letters end."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    _paragraph(document)
    table = document.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    table.autofit = False
    # Word reads the cell width, LibreOffice the table's preferred width: set both.
    preferred = table._tbl.tblPr.find(qn("w:tblW"))
    preferred.set(qn("w:type"), "dxa")
    preferred.set(qn("w:w"), str(round(CONTACT_MM * 1440 / 25.4)))  # twentieths of a point
    table.columns[0].width = Mm(CONTACT_MM)
    cell = table.cell(0, 0)
    cell.width = Mm(CONTACT_MM)
    head = cell.paragraphs[0].add_run("問い合わせ先")
    head.font.size, head.bold = Pt(SMALL_PT), True
    set_font(head, GOTHIC)
    for text in contact:
        cell.add_paragraph().add_run(text).font.size = Pt(SMALL_PT)


def write_notice_docx(layout: NoticeLayout, path: Path) -> Path:
    """Save the resident's copy of `layout` (citation markers removed) as an A4 DOCX at `path`."""
    from docx.shared import Pt

    notice = layout.resident()
    document = plain_document()
    if notice.addressed:
        for line in (notice.number, notice.date):
            if line:
                _paragraph(document, line, align="right")
        _paragraph(document)
        for line in notice.addressee:
            _paragraph(document, line)
        _paragraph(document)
        if notice.sender:
            _paragraph(document, notice.sender, align="right")
        _paragraph(document)
    title = _paragraph(document, notice.title, align="center", size=16, gothic=True)
    title.paragraph_format.space_after = Pt(12)
    if notice.question:
        _paragraph(document, f"Q. {notice.question}", gothic=True, bold=True)
        answer = notice.body[0] if notice.body else ""
        _paragraph(document, f"A. {answer}")
        body = notice.body[1:]
    else:
        body = notice.body
    for paragraph in body:
        _paragraph(document, paragraph, align="justify", indent_first=True)
    if notice.items:
        _paragraph(document)
        _paragraph(document, "記", align="center")
        _paragraph(document)
        _items(document, notice.items)
        _paragraph(document, "以上", align="right")
    if notice.table:
        if notice.table_intro:
            _paragraph(document, notice.table_intro, indent_first=True)
        _table(document, notice.table)
    if notice.kyouji:
        _paragraph(document)
        _paragraph(document, "（教示）", size=SMALL_PT, gothic=True)
        for sentence in notice.kyouji:
            _paragraph(document, sentence, size=SMALL_PT, align="justify", indent_first=True)
    if notice.contact:
        _contact_box(document, notice.contact)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
