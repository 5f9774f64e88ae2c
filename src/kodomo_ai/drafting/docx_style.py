"""Plain A4 Word documents: Mincho body text, Gothic headings, all black, no theme colours or fonts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

# IPA fonts ship with Debian (fonts-ipafont-*) and LibreOffice; Word without them substitutes its own Mincho.
MINCHO = "IPAMincho"
GOTHIC = "IPAGothic"
BODY_PT = 10.5  # the customary size of Japanese Word documents
# A4 portrait, margins of a municipal letter: wider at the top for the stamp, binding on the left.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 30, "bottom": 25, "left": 25, "right": 20}
# Heading level -> size in points; level 1 is the centred document title.
HEADING_PT = {1: 16.0, 2: 12.5, 3: 11.0, 4: 10.5}


def set_font(target: Any, name: str) -> None:
    """Give a style or run one font for Latin and Japanese text, dropping any theme font."""
    from docx.oxml.ns import qn

    r_pr = target._element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)


def plain_document() -> DocxDocument:
    """A new A4 document whose Normal, heading and list styles are plain black Mincho/Gothic."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    normal = document.styles["Normal"]
    set_font(normal, MINCHO)
    normal.font.size = Pt(BODY_PT)
    normal.font.color.rgb = RGBColor(0, 0, 0)
    normal.paragraph_format.space_after = Pt(2)
    for level, size in HEADING_PT.items():
        style = document.styles[f"Heading {level}"]
        set_font(style, GOTHIC)
        style.font.size = Pt(size)
        style.font.bold = level > 1
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12 if level <= 2 else 8)
        style.paragraph_format.space_after = Pt(4)
        if level == 1:
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            style.paragraph_format.space_after = Pt(12)
    for name in ("List Bullet", "List Number", "Table Grid"):
        set_font(document.styles[name], MINCHO)
    return document
