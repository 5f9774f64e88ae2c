"""The `##` sections of a corpus document, rebuilt from its indexed chunks in order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kodomo_ai.errors import InputError
from kodomo_ai.ingest.chunking import split_sentences
from kodomo_ai.retrieval import Retriever, merge_adjacent
from kodomo_ai.schema import Hit

# Normalised chunks keep list items on one line: "…次のとおりです。- 呼吸をしているか- 体の向き".
_ITEM = re.compile(r"(?<=[^\x00-\x7f])\s*[-・]\s+")


@dataclass
class Section:
    """One section: heading, full text, its first chunk id and the addresses its facts came from."""

    doc_id: str
    title: str
    heading: str
    text: str
    chunk_id: str
    source: str
    sources: list[str] = field(default_factory=list)
    position: int = 0

    def sentences(self) -> list[str]:
        """The section's sentences (list items, joined into one line by the index, become sentences too)."""
        text = _ITEM.sub("\n", self.text)
        return [s.lstrip("-*・ ").strip() for s in split_sentences(text) if s.lstrip("-*・ ").strip()]

    def items(self) -> list[str]:
        """The list items of the section (without the sentence that introduces them)."""
        pieces = _ITEM.split(self.text)
        return [p.strip() for p in pieces[1:] if p.strip()]

    def lead(self) -> str:
        """The first sentence, which by the corpus rules answers the section's question."""
        sentences = self.sentences()
        return sentences[0] if sentences else ""


def document_sections(retriever: Retriever, doc_id: str) -> list[Section]:
    """Every section of `doc_id` in document order (InputError when the document is not indexed)."""
    words = retriever.words()
    hits: list[Hit] = []
    for chunk, doc in zip(words.chunks, words.docs, strict=True):
        if chunk.doc_id != doc_id:
            continue
        section_sources = list(chunk.metadata.get("section_sources") or [])
        source = next((s for s in section_sources if s.startswith("http")), "") or doc.get("source", "")
        hits.append(Hit(
            chunk_id=chunk.chunk_id, doc_id=doc_id, title=doc.get("title", ""), source=source,
            heading=chunk.heading, text=chunk.text, score=0.0,
            metadata={"position": chunk.position, "section_sources": section_sources, "parts": [chunk.chunk_id]},
        ))  # fmt: skip
    if not hits:
        raise InputError(
            "topic", f"文書 {doc_id} が索引にありません。先に `kodomo-ai ingest corpus/` を実行してください"
        )
    hits.sort(key=lambda h: h.metadata["position"])
    merged = merge_adjacent(hits)
    merged.sort(key=lambda h: min(h.metadata.get("positions", [h.metadata["position"]])))
    sections = []
    for hit in merged:
        heading = hit.heading.split(" > ")[-1].strip()
        if not heading or heading == hit.title:
            continue
        sections.append(Section(
            doc_id=doc_id, title=hit.title, heading=heading, text=hit.text, chunk_id=hit.chunk_id,
            source=hit.source, sources=list(hit.metadata.get("section_sources") or []),
            position=min(hit.metadata.get("positions", [hit.metadata["position"]])),
        ))  # fmt: skip
    return sections
