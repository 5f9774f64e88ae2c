"""Loaders turning files (Markdown, text, HTML, PDF, DOCX) into Documents."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from kodomo_ai.errors import IngestError
from kodomo_ai.ingest.normalise import content_hash, normalise_text
from kodomo_ai.schema import AUDIENCES, DOC_TYPES, Document

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_DOC_ID_CHARS = re.compile(r"[^a-z0-9._-]+")


def load_file(path: Path, *, max_bytes: int, record_as: Path | None = None) -> Document:
    """Load one file into a normalised Document, or raise IngestError naming the reason.

    `record_as` is the path the document is recorded under (an upload staged elsewhere until it succeeds).
    """
    if not path.exists():
        raise IngestError(str(path), "ファイルが見つかりません (no such file)")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(str(path), f"対応していない形式です: {suffix or '(拡張子なし)'} (unsupported type)")
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(str(path), f"ファイルが大きすぎます: {size} bytes > {max_bytes} (too large)")
    meta: dict[str, Any] = {}
    if suffix in (".md", ".markdown"):
        meta, body = _split_front_matter(path, _read_text(path))
        # Markdown may carry raw HTML: what a reader never sees is not indexed either.
        body = strip_hidden_html(body)
    elif suffix == ".txt":
        body = _read_text(path)
    elif suffix in (".html", ".htm"):
        meta["title"], body = _html_text(strip_hidden_html(_read_text(path)))
    elif suffix == ".pdf":
        body = _pdf_text(path)
    else:
        body = _docx_text(path)
    body = normalise_text(body)
    if not body.strip():
        raise IngestError(str(path), "本文が空です (empty document)")
    return _document(record_as or path, meta, body)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    # Japanese government files still come in Shift_JIS or EUC-JP; try them before giving up.
    for encoding in ("utf-8-sig", "cp932", "euc_jp"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(str(path), "文字コードを判別できません (not UTF-8, Shift_JIS or EUC-JP)")


def _split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise IngestError(str(path), f"front matter の YAML が不正です: {exc}".splitlines()[0]) from exc
    except ValueError as exc:  # YAML reads 2024-13-45 as a date and fails while building it
        raise IngestError(str(path), f"front matter の日付が不正です: {exc} (YYYY-MM-DD)") from exc
    if not isinstance(meta, dict):
        raise IngestError(str(path), "front matter は key: value の形式にしてください")
    return meta, text[match.end() :]


# Elements whose content a browser never shows, and inline styles that hide an element.
_INVISIBLE_TAGS = {"script", "style", "template", "noscript", "iframe", "object"}
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9])"
    r"|(?<![-\w])(?:width|height)\s*:\s*0(?:px)?\s*(?:;|$)",
    re.I,
)
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _hides(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    values = {k.lower(): (v or "") for k, v in attrs}
    if tag == "input" and values.get("type", "").lower() == "hidden":
        return True
    return (
        "hidden" in values
        or values.get("aria-hidden", "").lower() == "true"
        or bool(_HIDING_STYLE.search(values.get("style", "")))
    )


class _HiddenSpans(HTMLParser):
    """Finds the character spans of comments and of elements a reader cannot see."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.starts = [0]
        for line in text.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))
        self.spans: list[tuple[int, int]] = []
        self._open: tuple[str, int, int] | None = None  # tag, depth, start of the hidden element

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.starts[line - 1] + column

    def _tag_end(self, start: int) -> int:
        end = self.text.find(">", start)
        return len(self.text) if end < 0 else end + 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._open is not None:
            name, depth, start = self._open
            if tag == name:
                self._open = (name, depth + 1, start)
            return
        hidden = tag in _INVISIBLE_TAGS or _hides(tag, attrs)
        if hidden and tag in _VOID:
            start = self._offset()
            self.spans.append((start, self._tag_end(start)))
        elif hidden:
            self._open = (tag, 1, self._offset())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._open is None and _hides(tag, attrs):
            start = self._offset()
            self.spans.append((start, self._tag_end(start)))

    def handle_endtag(self, tag: str) -> None:
        if self._open is None or tag != self._open[0]:
            return
        name, depth, start = self._open
        if depth > 1:
            self._open = (name, depth - 1, start)
            return
        self.spans.append((start, self._tag_end(self._offset())))
        self._open = None

    def handle_comment(self, data: str) -> None:
        if self._open is None:
            start = self._offset()
            end = self.text.find("-->", start)
            self.spans.append((start, len(self.text) if end < 0 else end + 3))

    def close(self) -> None:
        super().close()
        if self._open is not None:  # never closed: hidden to the end, as a browser would show it
            self.spans.append((self._open[2], len(self.text)))
            self._open = None


def strip_hidden_html(text: str) -> str:
    """Remove HTML comments, <script>/<style>, and elements hidden by `hidden`, aria-hidden or an inline style."""
    if "<" not in text:
        return text
    finder = _HiddenSpans(text)
    finder.feed(text)
    finder.close()
    out, last = [], 0
    for start, end in sorted(finder.spans):
        if start >= last:
            out.append(text[last:start])
            last = end
        else:
            last = max(last, end)
    out.append(text[last:])
    return "".join(out)


class _TextExtractor(HTMLParser):
    """Collects visible text and the <title>, turning h1-h6 into Markdown headings."""

    _SKIP = {"script", "style", "nav", "footer", "header", "noscript"}
    _BLOCK = {"p", "div", "li", "tr", "br", "section", "article", "table", "ul", "ol", "dd", "dt"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) or tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data.strip()
        elif not self._skip:
            self.parts.append(data)


def _html_text(html: str) -> tuple[str, str]:
    parser = _TextExtractor()
    parser.feed(html)
    return parser.title, "".join(parser.parts)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise IngestError(str(path), f"PDF を読めません (corrupt PDF: {exc})".splitlines()[0]) from exc


def _docx_text(path: Path) -> str:
    from docx import Document as DocxDocument

    try:
        docx = DocxDocument(str(path))
    except Exception as exc:  # python-docx raises many kinds: BadZipFile, KeyError, PackageNotFoundError …
        reason = f"DOCX を読めません (corrupt DOCX: {type(exc).__name__}: {exc})".splitlines()[0][:300]
        raise IngestError(str(path), reason) from exc
    lines = []
    for para in docx.paragraphs:
        style = (para.style.name if para.style is not None else "") or ""
        level = re.search(r"Heading (\d)", style)
        prefix = "#" * int(level.group(1)) + " " if level else ""
        # Runs formatted as hidden text are not shown in Word: leave them out like hidden HTML.
        hidden = any(run.font.hidden for run in para.runs)
        lines.append(
            prefix + ("".join(r.text for r in para.runs if not r.font.hidden) if hidden else para.text)
        )
    for table in docx.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _as_date(path: Path, meta: dict[str, Any], key: str) -> dt.date | None:
    value = meta.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise IngestError(str(path), f"{key} の日付が不正です: {value!r} (YYYY-MM-DD)") from exc


def _document(path: Path, meta: dict[str, Any], body: str) -> Document:
    title = str(meta.get("title") or "").strip() or _first_heading(body) or path.stem
    doc_id = str(meta.get("doc_id") or _DOC_ID_CHARS.sub("-", path.stem.lower()).strip("-") or "doc")
    sources = meta.get("sources") or []
    if isinstance(sources, str):
        sources = [sources]
    audience = meta.get("audience") or list(AUDIENCES)
    if isinstance(audience, str):
        audience = [audience]
    unknown = [a for a in audience if a not in AUDIENCES]
    if unknown:
        raise IngestError(str(path), f"audience が不明です: {unknown} ({', '.join(AUDIENCES)})")
    doc_type = str(meta.get("doc_type") or "guidance")
    if doc_type not in DOC_TYPES:
        raise IngestError(str(path), f"doc_type が不明です: {doc_type} ({', '.join(DOC_TYPES)})")
    first_source = next((s for s in sources if str(s).startswith("http")), "")
    return Document(
        doc_id=doc_id,
        title=normalise_text(title),
        text=body,
        source=str(meta.get("source") or first_source or path.as_posix()),
        path=path.as_posix(),
        publisher=str(meta.get("publisher") or ""),
        sources=[str(s) for s in sources],
        published=_as_date(path, meta, "published"),
        effective_from=_as_date(path, meta, "effective_from"),
        effective_to=_as_date(path, meta, "effective_to"),
        audience=list(audience),
        doc_type=doc_type,
        municipality=(str(meta["municipality"]) if meta.get("municipality") else None),
        content_hash=content_hash(repr(sorted(meta.items(), key=lambda kv: kv[0])), body),
    )


def _first_heading(body: str) -> str:
    match = re.search(r"^#\s+(.+)$", body, re.M)
    return match.group(1).strip() if match else ""
