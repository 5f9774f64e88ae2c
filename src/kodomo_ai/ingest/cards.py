"""Knowledge cards from card files (corpus/cards/*.yaml) and from documents written as Q&A pages."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from kodomo_ai.errors import IngestError
from kodomo_ai.ingest.chunking import split_sentences
from kodomo_ai.schema import Card, CardCitation, Document

# A Q&A page: headings like 「## Q. 〜？」「## 問1 〜」「### Q：〜」, the answer under it starting 「A.」「答」.
_QUESTION_HEADING = re.compile(r"^#{2,4}\s*(?:Q\s*\d*\s*[.．:：、]?|問\s*\d*\s*[.．:：、]?)\s*(.+?)\s*$")
_ANSWER_LEAD = re.compile(r"^\s*(?:A\s*\d*\s*[.．:：、]|答え?\s*\d*\s*[.．:：、]?)\s*")
_SOURCE_LINE = re.compile(r"^(?:出典|出所|参考)\s*[:：]")
# libyaml's safe loader when PyYAML has it: the same safe subset, about 9x faster. With the pure-Python one,
# reading the card files was the largest cost of an ingest after the encoder and the trust screen.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def is_card_file(path: Path) -> bool:
    """True for a YAML file inside a `cards` folder."""
    return path.suffix.lower() in (".yaml", ".yml") and path.parent.name == "cards"


def load_card_file(path: Path) -> tuple[list[Card], list[IngestError]]:
    """The cards of one file; each bad card gets its own error and the rest still load."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [], [IngestError(str(path), f"カードファイルを読めません: {exc}")]
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list):
        return [], [IngestError(str(path), "カードファイルには doc_id と cards: のリストが必要です")]
    doc_id = str(data.get("doc_id") or "")
    cards: list[Card] = []
    errors: list[IngestError] = []
    for n, item in enumerate(data["cards"]):
        if not isinstance(item, dict):
            errors.append(
                IngestError(f"{path}[{n}]", "カードは YAML の対応表（question, answer …）で書いてください")
            )
            continue
        try:
            card = Card(
                card_id=str(item.get("id") or f"{doc_id}-{n + 1:02d}"), doc_id=str(item.get("doc_id") or doc_id),
                question=str(item.get("question") or ""), paraphrases=item.get("paraphrases") or [],
                answer=str(item.get("answer") or "").strip(), conditions=item.get("conditions") or [],
                ask=str(item.get("ask") or ""), audience=item.get("audience") or ["parent", "caseworker", "trainer"],
                citations=item.get("citations") or [], en=item.get("en"), easy=item.get("easy"),
                source_path=str(path),
            )  # fmt: skip
        except ValidationError as exc:
            problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
            errors.append(
                IngestError(f"{path}[{item.get('id', n)}]", f"カードの形式が正しくありません: {problem}")
            )
            continue
        if not card.question.strip() or not card.answer or not card.citations:
            errors.append(
                IngestError(f"{path}[{card.card_id}]", "カードには question、answer と citations が必要です")
            )
            continue
        cards.append(card)
    return cards, errors


def cards_from_qa_page(doc: Document) -> list[Card]:
    """Read a よくある質問 page (Q／A or 問／答 headings) as cards citing the page itself."""
    cards: list[Card] = []
    lines = doc.text.split("\n")
    for i, line in enumerate(lines):
        match = _QUESTION_HEADING.match(line)
        if not match:
            continue
        body: list[str] = []
        for nxt in lines[i + 1 :]:
            if nxt.startswith("#"):
                break
            if nxt.strip() and not _SOURCE_LINE.match(nxt.strip()):
                body.append(nxt.strip())
        answer = _ANSWER_LEAD.sub("", " ".join(body)).strip()
        if not answer:
            continue
        first = split_sentences(body[0])
        quote = first[0] if first else body[0]
        cards.append(
            Card(
                card_id=f"{doc.doc_id}-qa{len(cards) + 1:02d}",
                doc_id=doc.doc_id,
                question=match.group(1),
                answer=answer,
                audience=list(doc.audience),
                municipality=doc.municipality,
                citations=[CardCitation(doc_id=doc.doc_id, heading=line.lstrip("#").strip(), quote=quote)],
                source_path=doc.path,
            )  # fmt: skip
        )
    return cards
