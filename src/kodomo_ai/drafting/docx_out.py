"""Write our Markdown (headings, paragraphs, lists, pipe tables, page breaks) as a plain A4 DOCX."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kodomo_ai.drafting.docx_style import BODY_PT, GOTHIC, plain_document, set_font

_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
_NUMBERED = re.compile(r"^(?:\d+|[A-D])[.)．]\s+")  # 1. … and a quiz's A. … options
_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}")
# `**bold**` and citation markers [n], which print as small raised numbers.
_INLINE = re.compile(r"\*\*(.+?)\*\*|(\[\d{1,3}\])")
PAGE_BREAK = "<!-- pagebreak -->"


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def add_inline(paragraph: Any, text: str) -> None:
    """Append `text` to `paragraph`, with `**bold**` in bold and [n] markers as superscript."""
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            paragraph.add_run(text[position : match.start()])
        if match.group(1) is not None:
            paragraph.add_run(match.group(1)).bold = True
        else:
            paragraph.add_run(match.group(2)).font.superscript = True
        position = match.end()
    if position < len(text):
        paragraph.add_run(text[position:])


def markdown_to_docx(markdown: str, path: Path) -> Path:
    """Save `markdown` as an A4 Word document at `path`; `<!-- pagebreak -->` starts a new page."""
    from docx.shared import Pt

    document = plain_document()
    table_rows: list[str] = []
    break_next = False

    def flush_table() -> None:
        rows = [r for r in table_rows if not _SEPARATOR.match(r.strip().strip("|").strip())]
        table_rows.clear()
        if not rows:
            return
        header, *body = (_cells(r) for r in rows)
        table = document.add_table(rows=1 + len(body), cols=len(header))
        table.style = "Table Grid"
        for row_index, cells in enumerate([header, *body]):
            for col, text in enumerate(cells[: len(header)]):
                cell = table.cell(row_index, col)
                cell.text = text
                if row_index == 0:
                    for run in cell.paragraphs[0].runs:
                        run.bold = True
                        set_font(run, GOTHIC)

    for raw in markdown.splitlines():
        line = raw.rstrip()
        if line.strip().startswith("|"):
            table_rows.append(line)
            continue
        if table_rows:
            flush_table()
        if line.strip() == PAGE_BREAK:
            break_next = True
            continue
        if not line.strip() or line.strip().startswith("<!--"):
            continue
        stripped = line.strip()
        heading = _HEADING.match(stripped)
        if heading:
            paragraph = document.add_paragraph(style=f"Heading {len(heading.group(1))}")
            add_inline(paragraph, heading.group(2).strip())
        elif stripped.startswith(("- ", "* ", "・")):
            paragraph = document.add_paragraph(style="List Bullet")
            add_inline(paragraph, stripped[1:].strip())
        elif _NUMBERED.match(stripped):
            # The written number is kept (Word's own numbering would drift from the [n] it must match).
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.left_indent = Pt(BODY_PT * 2)
            paragraph.paragraph_format.first_line_indent = -Pt(BODY_PT * 2)
            add_inline(paragraph, stripped)
        else:
            paragraph = document.add_paragraph()
            add_inline(paragraph, stripped)
        if break_next:
            paragraph.paragraph_format.page_break_before = True
            break_next = False
    if table_rows:
        flush_table()
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def docx_text(path: Path) -> str:
    """All paragraph and table text of a DOCX (for tests and previews)."""
    from docx import Document

    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)
