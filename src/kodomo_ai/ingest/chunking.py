"""Split documents by heading, then by sentence, into overlapping chunks of about 300-500 characters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kodomo_ai.ingest.normalise import content_hash
from kodomo_ai.schema import Chunk, Document

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
# A sentence ends at 。！？ (and their ASCII forms after NFKC) or at a line break.
_SENTENCE = re.compile(r"[^。！？!?\n]+(?:[。！？!?]+[」』）)]*)?|[。！？!?]+")
_SOURCE_LINE = re.compile(r"^(?:出典|出所|参考)\s*[:：]\s*(.+)$")
_URL = re.compile(r"https?://[^\s()（）、,]+")


@dataclass
class _Section:
    path: list[str]
    lines: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def split_sentences(text: str) -> list[str]:
    """Split Japanese text into sentences (。！？ and line breaks), dropping empty pieces."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _split_keeping_lines(text: str) -> list[str]:
    """Sentences that end a line keep a trailing newline, so joined chunks keep lists and tables intact."""
    out: list[str] = []
    for line in text.split("\n"):
        pieces = split_sentences(line)
        out.extend(pieces[:-1])
        if pieces:
            out.append(pieces[-1] + "\n")
    return out


def _sections(text: str) -> list[_Section]:
    path: list[str] = []
    sections = [_Section(path=[])]
    for line in text.split("\n"):
        match = _HEADING.match(line)
        if match:
            level = len(match.group(1))
            path = path[: level - 1] + [""] * max(0, level - 1 - len(path)) + [match.group(2)]
            sections.append(_Section(path=[p for p in path if p]))
            continue
        source = _SOURCE_LINE.match(line.strip())
        if source:
            sections[-1].sources.extend(_URL.findall(source.group(1)) or [source.group(1).strip()])
            continue
        sections[-1].lines.append(line)
    return [s for s in sections if "".join(s.lines).strip()]


def _pack(sentences: list[str], target: int, limit: int) -> list[list[str]]:
    """Group sentences into windows near `target` chars, each starting with the previous window's last one."""
    groups: list[list[str]] = []
    current: list[str] = []
    fresh = 0  # sentences in `current` that no earlier window holds
    for sentence in sentences:
        size = sum(len(s) for s in current)
        if fresh and size + len(sentence) > limit:
            groups.append(current)
            # Carry the last sentence over so a fact split across the boundary stays readable.
            current, fresh = current[-1:], 0
            if len(current[0]) + len(sentence) > limit:
                current = []
        current.append(sentence)
        fresh += 1
        if sum(len(s) for s in current) >= target:
            groups.append(current)
            current, fresh = current[-1:], 0
    if fresh:
        groups.append(current)
    return groups


def chunk_document(doc: Document, *, target: int = 400, limit: int = 500) -> list[Chunk]:
    """Cut a document into chunks that keep their heading path; ids are content hashes."""
    chunks: list[Chunk] = []
    for section in _sections(doc.text):
        # The document title is the first heading; it is shown separately, so drop it from the path.
        path = section.path[1:] if section.path and section.path[0] == doc.title else section.path
        heading = " > ".join(path)
        body = "\n".join(section.lines).strip()
        sentences = _split_keeping_lines(body)
        for group in _pack(sentences, target, limit):
            text = "".join(group).strip()
            position = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id=content_hash(doc.doc_id, heading, text),
                    doc_id=doc.doc_id,
                    text=text,
                    heading=heading,
                    position=position,
                    metadata={"section_sources": section.sources},
                )
            )
    return chunks
