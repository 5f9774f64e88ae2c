"""The slide deck: 16:9, a title band, large type, at most three short bullets, a flow where it helps."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kodomo_ai.training.material import AUDIENCE_LABELS, TrainingMaterial

if TYPE_CHECKING:
    from pptx.presentation import Presentation as Deck

FONT = "IPAGothic"  # Gothic reads best projected; LibreOffice and Debian ship it
WIDE = (40 / 3, 7.5)  # inches: 16:9 (PowerPoint's widescreen, 12192000 x 6858000 EMU)
MARGIN = 0.6
BAND_H = 1.25
INK, BAND, PALE, ACCENT, MUTED = 0x222222, 0x1F3A5F, 0xE8EEF5, 0xD9822B, 0x666666
MAX_BULLETS = 3
BULLET_PT = 28
# A bullet is short when it fits on two lines of the body box at BULLET_PT (1 pt = 1/72 in; a Japanese
# character is about one em wide); longer sentences go to the speaker notes instead.
BODY_W = WIDE[0] - 2 * MARGIN
SHORT_BULLET = 2 * int(BODY_W * 72 / BULLET_PT)
BULLETS_NAME = "Bullets"  # the name of every bullet box, so checks can find them


def _rgb(value: int) -> Any:
    from pptx.dml.color import RGBColor

    return RGBColor((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF)


def _style_run(run: Any, size: float, color: int = INK, bold: bool = False) -> None:
    """Size, colour and the Gothic font for Latin and Japanese (python-pptx sets only the Latin one)."""
    from lxml import etree
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size, run.font.bold = Pt(size), bold
    run.font.color.rgb = _rgb(color)
    run.font.name = FONT
    r_pr = run._r.get_or_add_rPr()
    if r_pr.find(qn("a:ea")) is None:
        r_pr.find(qn("a:latin")).addnext(etree.SubElement(r_pr, qn("a:ea"), typeface=FONT))


def _text(slide: Any, box: tuple[float, float, float, float], lines: list[str], size: float, *,
          color: int = INK, bold: bool = False, align: str = "left", name: str = "",
          bullets: bool = False, anchor: str = "top") -> Any:  # fmt: skip
    """A text box at `box` (inches) holding one paragraph per line."""
    from lxml import etree
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
    from pptx.oxml.ns import qn
    from pptx.util import Inches, Pt

    shape = slide.shapes.add_textbox(*(Inches(v) for v in box))
    if name:
        shape.name = name
    frame = shape.text_frame
    frame.word_wrap, frame.auto_size = True, MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE}[anchor]
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.alignment = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER}[align]
        paragraph.space_after = Pt(size * 0.6)
        if bullets:
            p_pr = paragraph._p.get_or_add_pPr()
            p_pr.set("marL", str(int(Pt(size * 1.3))))
            p_pr.set("indent", str(-int(Pt(size * 1.3))))
            etree.SubElement(etree.SubElement(p_pr, qn("a:buClr")), qn("a:srgbClr"), val=f"{ACCENT:06X}")
            etree.SubElement(p_pr, qn("a:buFont"), typeface=FONT)
            etree.SubElement(p_pr, qn("a:buChar"), char="■")
        run = paragraph.add_run()
        run.text = line
        _style_run(run, size, color, bold)
    return shape


def _box(slide: Any, box: tuple[float, float, float, float], fill: int, *, shape: str = "rect",
         line: int | None = None) -> Any:  # fmt: skip
    """A filled shape (rectangle, rounded rectangle, chevron, oval) without a shadow."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches, Pt

    kind = {"rect": MSO_SHAPE.RECTANGLE, "round": MSO_SHAPE.ROUNDED_RECTANGLE,
            "arrow": MSO_SHAPE.RIGHT_ARROW, "oval": MSO_SHAPE.OVAL}[shape]  # fmt: skip
    drawn = slide.shapes.add_shape(kind, *(Inches(v) for v in box))
    drawn.fill.solid()
    drawn.fill.fore_color.rgb = _rgb(fill)
    if line is None:
        drawn.line.fill.background()
    else:
        drawn.line.color.rgb, drawn.line.width = _rgb(line), Pt(1.5)
    drawn.shadow.inherit = False
    return drawn


def _to_back(slide: Any, shape: Any) -> None:
    """Move `shape` behind the title placeholder (the band is drawn after the layout's title)."""
    tree = slide.shapes._spTree
    tree.remove(shape._element)
    tree.insert(2, shape._element)


def _fit(text: str, width: float, lines: int, sizes: tuple[int, ...]) -> int:
    """The largest of `sizes` (pt) at which `text` fits in `lines` lines of `width` inches."""
    for size in sizes:
        if math.ceil(len(text) / max(int(width * 72 / size), 1)) <= lines:
            return size
    return sizes[-1]


def _set_title(slide: Any, title: str, box: tuple[float, float, float, float], size: float) -> None:
    """Put the title placeholder at `box`, left-aligned in white."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    head = slide.shapes.title
    head.left, head.top, head.width, head.height = (Inches(v) for v in box)
    head.text_frame.word_wrap = True
    paragraph = head.text_frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    run = paragraph.add_run()
    run.text = title
    _style_run(run, size, 0xFFFFFF, True)


def _slide(deck: Deck, title: str, number: int, notes: str = "") -> Any:
    """A slide with the title in a dark band across the top and its page number."""

    slide = deck.slides.add_slide(deck.slide_layouts[5])  # Title Only: shapes.title stays the title
    _to_back(slide, _box(slide, (0, 0, WIDE[0], BAND_H), BAND))
    _set_title(slide, title, (MARGIN, 0.1, BODY_W, BAND_H - 0.2), _fit(title, BODY_W, 1, (36, 32, 28, 24)))
    _text(slide, (WIDE[0] - 1.4, WIDE[1] - 0.55, 1.0, 0.4), [str(number)], 12, color=MUTED)
    if notes:
        slide.notes_slide.notes_text_frame.text = notes
    return slide


def _short(items: list[str]) -> tuple[list[str], list[str]]:
    """At most three short items for the slide, and the rest for the speaker notes."""
    shown = [item for item in items if len(item) <= SHORT_BULLET][:MAX_BULLETS]
    return shown, [item for item in items if item not in shown]


def _title_slide(deck: Deck, material: TrainingMaterial) -> None:

    slide = deck.slides.add_slide(deck.slide_layouts[5])
    _to_back(slide, _box(slide, (0, 0, WIDE[0], 4.6), BAND))
    _box(slide, (MARGIN, 4.6, 2.5, 0.12), ACCENT)
    _set_title(slide, material.topic.title, (MARGIN, 1.4, BODY_W, 2.2), 44)
    _text(slide, (MARGIN, 5.0, BODY_W, 0.8), [f"{AUDIENCE_LABELS[material.audience]}の研修資料"], 28)


def _numbered(slide: Any, items: list[str], top: float) -> None:
    """Items beside numbered circles (goals), one row each."""
    row = (WIDE[1] - top - 0.7) / MAX_BULLETS
    for index, item in enumerate(items):
        y = top + index * row
        circle = _box(slide, (MARGIN, y + 0.1, 0.8, 0.8), ACCENT, shape="oval")
        run = circle.text_frame.paragraphs[0].add_run()
        run.text = str(index + 1)
        _style_run(run, 24, 0xFFFFFF, True)
        _text(slide, (MARGIN + 1.1, y, BODY_W - 1.1, row - 0.1), [item], _fit(item, BODY_W - 1.1, 2, (26, 24, 22)),
              anchor="middle", name=BULLETS_NAME)  # fmt: skip


def _point_slide(deck: Deck, heading: str, point: str, details: list[str], notes: str, number: int) -> None:
    """The point in a pale box, then up to three short details as bullets (alone, it sits mid-slide, larger)."""
    slide = _slide(deck, heading, number, notes)
    sizes = (28, 26, 24, 22, 20) if details else (36, 32, 28, 24, 20)
    size = _fit(point, BODY_W - 0.6, 3, sizes)
    lines = math.ceil(len(point) / int((BODY_W - 0.6) * 72 / size))
    height = 0.5 + lines * size * 1.5 / 72
    top = BAND_H + 0.35 if details else BAND_H + (WIDE[1] - BAND_H - height) / 2
    _box(slide, (MARGIN, top, BODY_W, height), PALE, shape="round")
    _box(slide, (MARGIN, top, 0.12, height), ACCENT)
    _text(slide, (MARGIN + 0.3, top, BODY_W - 0.6, height), [point], size, bold=True, anchor="middle")
    if details:
        top += height + 0.35
        _text(slide, (MARGIN + 0.2, top, BODY_W - 0.2, WIDE[1] - top - 0.6), details, BULLET_PT,
              name=BULLETS_NAME, bullets=True)  # fmt: skip


def _flow_slide(deck: Deck, situation: str, notes: str, number: int) -> None:
    """A case: the situation on top, then 確認 → 行動 → 報告 as a three-step flow."""
    slide = _slide(deck, "事例で考える", number, notes)
    size = _fit(situation, BODY_W - 0.6, 3, (26, 24, 22, 20))
    _box(slide, (MARGIN, BAND_H + 0.35, BODY_W, 1.7), PALE, shape="round")
    _text(slide, (MARGIN + 0.3, BAND_H + 0.35, BODY_W - 0.6, 1.7), [situation], size, anchor="middle")
    steps = [("確認", "何を確認しますか"), ("行動", "何をしますか"), ("報告", "誰に報告・相談しますか")]
    width, gap, top = (BODY_W - 2 * 0.7) / 3, 0.7, BAND_H + 2.5
    for index, (label, question) in enumerate(steps):
        x = MARGIN + index * (width + gap)
        _box(slide, (x, top, width, 2.0), 0xFFFFFF, shape="round", line=BAND)
        _text(slide, (x, top + 0.2, width, 0.7), [label], 30, color=BAND, bold=True, align="center")
        _text(slide, (x + 0.15, top + 1.0, width - 0.3, 0.9), [question], 20, align="center")
        if index < 2:
            _box(slide, (x + width + 0.12, top + 0.7, gap - 0.24, 0.6), ACCENT, shape="arrow")


def _tiles_slide(deck: Deck, title: str, labels: list[str], number: int, notes: str) -> None:
    """Numbered tiles (two rows of three at most): the headings covered, as a picture of the session."""
    slide = _slide(deck, title, number, notes)
    labels = labels[:6]
    columns = min(3, len(labels)) or 1
    rows = math.ceil(len(labels) / columns)
    gap = 0.35
    width = (BODY_W - gap * (columns - 1)) / columns
    height = min(2.3, (WIDE[1] - BAND_H - 1.1 - gap * (rows - 1)) / max(rows, 1))
    for index, label in enumerate(labels):
        x = MARGIN + (index % columns) * (width + gap)
        y = BAND_H + 0.5 + (index // columns) * (height + gap)
        _box(slide, (x, y, width, height), PALE, shape="round")
        _text(slide, (x + 0.2, y + 0.1, 0.8, 0.6), [str(index + 1)], 26, color=ACCENT, bold=True)
        _text(slide, (x + 0.3, y + 0.6, width - 0.6, height - 0.7), [label], _fit(label, width - 0.6, 2, (24, 22, 20)),
              bold=True)  # fmt: skip


def write_slides(material: TrainingMaterial, path: Path) -> Path:
    """The deck: title, goals, one slide per key point, a case as a flow, summary tiles, sources last."""
    from pptx import Presentation
    from pptx.util import Emu

    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(round(WIDE[0] * 914400)), Emu(round(WIDE[1] * 914400))
    _title_slide(deck, material)
    number = 2
    goals = material.goals
    # More than three goals are shared evenly between slides (4 -> 2 + 2, not 3 + 1).
    per_slide = math.ceil(len(goals) / math.ceil(len(goals) / MAX_BULLETS)) if goals else MAX_BULLETS
    for start in range(0, len(goals), per_slide):
        slide = _slide(deck, "学習目標" if start == 0 else "学習目標（続き）", number)
        _numbered(slide, goals[start : start + per_slide], BAND_H + 0.4)
        number += 1
    for point in material.key_points:
        section = point.section
        shown, rest = _short(point.details)
        notes = "\n".join([f"出典: {section.title} › {section.heading}", section.source,
                           f"根拠の文: {section.lead()}", *(f"補足: {r}" for r in rest)])  # fmt: skip
        _point_slide(deck, point.heading, point.point, shown, notes, number)
        number += 1
    if material.drills:
        drill = material.drills[0]
        notes = "\n".join(
            [f"確認: {c.text}（{c.section.doc_id} › {c.section.heading}）" for c in drill.check]
            + [f"行動: {c.text}（{c.section.doc_id} › {c.section.heading}）" for c in drill.do]
            + [f"報告: {c.text}（{c.section.doc_id} › {c.section.heading}）" for c in drill.report]
        )
        _flow_slide(deck, drill.situation, notes, number)
        number += 1
    _tiles_slide(
        deck, "まとめ", [p.heading for p in material.key_points], number, "\n".join(material.summary)
    )
    number += 1
    _sources_slide(deck, material, number)
    path.parent.mkdir(parents=True, exist_ok=True)
    deck.save(str(path))
    return path


def _sources_slide(deck: Deck, material: TrainingMaterial, number: int) -> None:
    """The closing slide: each cited document once with the sections used, then the addresses."""
    by_doc: dict[str, list[Any]] = {}
    for section in material.cited_sections():
        by_doc.setdefault(section.doc_id, []).append(section)
    notes = "\n".join(f"{s.title} › {s.heading}: {s.source}" for s in material.cited_sections())
    slide = _slide(deck, "出典", number, notes)
    top = BAND_H + 0.4
    for sections in list(by_doc.values())[:MAX_BULLETS]:
        headings = "、".join(dict.fromkeys(s.heading for s in sections))
        size = _fit(headings, BODY_W, 3, (20, 18, 16, 14))
        _text(slide, (MARGIN, top, BODY_W, 0.5), [sections[0].title], 24, color=BAND, bold=True)
        lines = math.ceil(len(headings) / int(BODY_W * 72 / size))
        _text(slide, (MARGIN, top + 0.55, BODY_W, lines * size * 1.6 / 72), [headings], size)
        top += 0.55 + lines * size * 1.6 / 72 + 0.3
    addresses = list(
        dict.fromkeys(s.source for s in material.cited_sections() if s.source.startswith("http"))
    )
    if addresses:
        shown = addresses[: max(int((WIDE[1] - 0.7 - top) / 0.3), 0)]
        _text(slide, (MARGIN, top, BODY_W, len(shown) * 0.3), shown, 12, color=MUTED)
