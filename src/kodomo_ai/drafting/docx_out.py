"""Write our Markdown (headings, paragraphs, lists, pipe tables) as a DOCX with python-docx."""

from __future__ import annotations

import re
from pathlib import Path

_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
_NUMBERED = re.compile(r"^\d+[.)．]\s+")
_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}")


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def markdown_to_docx(markdown: str, path: Path) -> Path:
    """Save `markdown` as a Word document at `path` (default fonts, so any Japanese font the reader has)."""
    from docx import Document

    document = Document()
    table_rows: list[str] = []

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
                table.cell(row_index, col).text = text

    for raw in markdown.splitlines():
        line = raw.rstrip()
        if line.strip().startswith("|"):
            table_rows.append(line)
            continue
        if table_rows:
            flush_table()
        if not line.strip() or line.strip().startswith("<!--"):
            continue
        heading = _HEADING.match(line)
        if heading:
            document.add_heading(heading.group(2).strip(), level=min(len(heading.group(1)) - 1, 3))
        elif line.lstrip().startswith(("- ", "* ", "・")):
            document.add_paragraph(line.lstrip()[2:].strip() if line.lstrip()[1] == " " else line.lstrip()[1:],
                                   style="List Bullet")  # fmt: skip
        elif _NUMBERED.match(line.lstrip()):
            document.add_paragraph(_NUMBERED.sub("", line.lstrip()), style="List Number")
        else:
            document.add_paragraph(line.strip())
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
