"""Draft a notice: fields → rules → retrieval → body (extractive or LLM, grounded) → Markdown with findings."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kodomo_ai.drafting.dates import era_facts, parse_date, to_wareki_text, wareki_date, with_weekdays
from kodomo_ai.drafting.kyouji import KYOUJI_SOURCES, kyouji_text
from kodomo_ai.drafting.layout import NoticeLayout
from kodomo_ai.drafting.llm import cited_numbers, complete, is_llm, renumber
from kodomo_ai.drafting.notice_content import NoticeContent, build_content, mayor_and_name
from kodomo_ai.drafting.notice_types import NoticeType, notice_type
from kodomo_ai.drafting.personal import (
    PERSONAL_FIELDS,
    PersonalValues,
    masked_free_text,
    unfilled_placeholders,
)
from kodomo_ai.drafting.sources import SourceList, SourceRef, appendix_markdown
from kodomo_ai.drafting.style import Finding, check_style
from kodomo_ai.engines.base import AnswerEngine, EngineRequest
from kodomo_ai.engines.extractive import ExtractiveEngine
from kodomo_ai.errors import EngineError
from kodomo_ai.grounding import check_grounding
from kodomo_ai.prompts import load_prompt
from kodomo_ai.retrieval import Filters, Retriever
from kodomo_ai.schema import Hit

log = logging.getLogger(__name__)
_SAMPLE = re.compile(r"[（(]サンプル(?:用の架空の番号)?[）)]")
_PROSE_TYPES = ("guidance", "manual", "faq", "notice")
_CONTACT_QUERY = "電話での問い合わせ先 受付時間 窓口"


@dataclass
class Sentence:
    """A body sentence and the hit it came from (None for template text)."""

    text: str
    hit: Hit | None = None


@dataclass
class NoticeDraft:
    """A drafted notice: the review copy (placeholders, [n], 出典), the resident's filled copy, the appendix."""

    kind: str
    title: str
    markdown: str  # review copy: placeholders, citation markers and the 出典 list
    filled: str  # the resident's copy: filled locally, no citation markers, no sources
    findings: list[Finding]
    sources: list[SourceRef]
    engine: str = "extractive"
    notes: list[str] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)
    letter: NoticeLayout | None = None  # the resident's copy as printed
    appendix: str = ""  # the caseworker's source appendix (Markdown, placeholders)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (the API and `--json`)."""
        return {
            "type": self.kind, "title": self.title, "markdown": self.markdown, "filled_markdown": self.filled,
            "appendix_markdown": self.appendix, "findings": [f.as_dict() for f in self.findings],
            "sources": [s.as_dict() for s in self.sources], "engine": self.engine, "notes": self.notes,
            "unfilled": self.unfilled,
        }  # fmt: skip

    def write_docx(self, out_dir: Path) -> dict[str, Path]:
        """Write `<kind>.docx` (the A4 notice to send) and `<kind>.sources.docx` (the caseworker's appendix)."""
        from kodomo_ai.drafting.docx_out import markdown_to_docx
        from kodomo_ai.drafting.notice_docx import write_notice_docx

        assert self.letter is not None
        return {
            "docx": write_notice_docx(self.letter, out_dir / f"{self.kind}.docx"),
            "sources_docx": markdown_to_docx(self.appendix, out_dir / f"{self.kind}.sources.docx"),
        }


def _retrieve(retriever: Retriever, queries: list[str], filters: Filters, k: int = 4) -> list[Hit]:
    hits: dict[str, Hit] = {}
    for query in queries:
        for hit in retriever.search(query, k=k, filters=filters):
            hits.setdefault(hit.chunk_id, hit)
    return list(hits.values())


def _clean(text: str) -> str:
    """A corpus sentence as notice text: 和暦 dates with their weekdays, no sample markers."""
    return with_weekdays(to_wareki_text(_SAMPLE.sub("", text))).strip()


def _extract(query: str, hits: list[Hit], limit: int) -> list[Sentence]:
    """The best sentences of `hits` for `query` (the extractive engine's selection)."""
    if not hits:
        return []
    chosen = ExtractiveEngine(max_hits=len(hits)).select(
        EngineRequest(question=query, hits=hits, audience="parent")
    )
    by_id = {h.chunk_id: h for h in hits}
    out = []
    for cand in chosen[:limit]:
        text = cand.text if cand.text.endswith("。") else cand.text + "。"
        out.append(Sentence(_clean(text), by_id[cand.chunk_id]))
    return out


def _table_block(hits: list[Hit]) -> tuple[list[str], Hit | None]:
    """The first Markdown table in the hits (a schedule, a fee list), with its hit."""
    for hit in hits:
        rows = [line.strip() for line in hit.text.splitlines() if line.strip().startswith("|")]
        if len(rows) >= 3:
            return [_clean(row) for row in rows], hit
    return [], None


def _contact(retriever: Retriever, municipality: str) -> list[Sentence]:
    """Sentences naming the municipality's window, phone number and hours (from its own documents)."""
    hits = retriever.search(_CONTACT_QUERY, k=4, filters=Filters(municipality=municipality, doc_types=("manual", "contacts")))  # fmt: skip
    hits = [h for h in hits if h.metadata.get("municipality") == municipality]
    out: list[Sentence] = []
    for hit in hits:
        for sentence in re.split(r"(?<=。)", hit.text):
            if re.search(r"\d{2,}-\d{2,}-\d{3,}", sentence) and "問い合わせ" in sentence:
                out.append(Sentence(_clean(sentence), hit))
            elif "受付時間" in sentence and "窓口" in sentence and "電話" in sentence and len(out) < 2:
                out.append(Sentence(_clean(sentence), hit))
        if out:
            return out[:2]
    return []


def _evidence(content: NoticeContent, fields: dict[str, Any], hits: list[Hit], extra: list[str]) -> list[str]:
    """Everything a number in the draft may come from: rule results, given dates (as 和暦), cited chunks."""
    dates = []
    for name, value in fields.items():
        if (
            isinstance(value, str)
            and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
            and name not in PERSONAL_FIELDS
        ):
            dates.append(wareki_date(parse_date(value, name)))
    texts = [content.rule_text, *content.facts, *dates, *(h.text for h in hits), *extra]
    return [*texts, era_facts("\n".join(texts))]


def _llm_body(
    engine: AnswerEngine, kind: NoticeType, content: NoticeContent, hits: list[Hit], evidence: list[str],
    personal: PersonalValues, prompts_dir: Path,
) -> tuple[str, list[Hit]] | None:  # fmt: skip
    """The body written by an LLM from placeholders and facts only, or None after two ungrounded tries."""
    prompt = load_prompt(prompts_dir, "notice_draft")
    sources = [
        {"title": h.title, "heading": h.heading, "text": masked_free_text(h.text, personal)} for h in hits
    ]
    messages = prompt.render(
        notice_title=content.title, subject=masked_free_text(content.subject, personal),
        facts=[masked_free_text(f, personal) for f in content.facts],
        rule_results=masked_free_text(content.rule_text, personal), sources=sources,
        placeholders=sorted(set(PERSONAL_FIELDS.values())), disposition=kind.disposition,
        addressed=kind.addressed,
    )  # fmt: skip
    for attempt in range(2):
        try:
            text = complete(engine, messages).strip()
        except EngineError as exc:
            log.warning("notice draft: %s", exc)
            return None
        grounding = check_grounding(text, evidence)
        if grounding.ok and text:
            numbers = cited_numbers(text, len(hits))
            return renumber(text, {n: i for i, n in enumerate(numbers, 1)}), [hits[n - 1] for n in numbers]
        log.info("notice draft attempt %d ungrounded: %s", attempt + 1, grounding.ungrounded)
        messages = [*messages, {"role": "assistant", "content": text}, {"role": "user", "content": (
            "次の数字は資料にも計算結果にもありません。資料と計算結果にある数字だけで書き直してください: "
            + "、".join(grounding.ungrounded))}]  # fmt: skip
    return None


def _cite(sentences: list[Sentence], sources: SourceList) -> str:
    parts = []
    for s in sentences:
        if s.hit is None:
            parts.append(s.text)
        else:
            parts.append(f"{s.text}[{sources.cite(SourceRef.from_hit(s.hit, s.text))}]")
    return "".join(parts)


def _table_cells(rows: list[str]) -> list[list[str]]:
    """Markdown table rows as cells, without the separator row."""
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    return [row for row in cells if not all(re.fullmatch(r":?-{2,}:?", c) for c in row)]


def draft_notice(
    kind_name: str, fields: dict[str, Any], *, retriever: Retriever, engine: AnswerEngine | None = None,
    prompts_dir: Path | None = None, municipality: str = "midori",
) -> NoticeDraft:  # fmt: skip
    """Draft a notice of type `kind_name` from `fields`; personal fields never reach the engine."""
    kind = notice_type(kind_name)
    kind.check(fields)
    municipality = str(fields.get("municipality") or municipality)
    content = build_content(kind.key, fields, municipality)
    personal = PersonalValues.from_fields(fields)
    # Flow documents are step lists for staff; their numbered steps read badly inside a letter.
    filters = Filters(municipality=municipality, doc_ids=content.guidance_doc_ids, doc_types=_PROSE_TYPES)
    queries = [masked_free_text(q, personal) for q in content.guidance_queries]
    hits = _retrieve(retriever, queries, filters)
    sources = SourceList()
    notes: list[str] = []
    per_query = 4 if kind.key in ("faq", "kouhou") else 2
    guidance: list[Sentence] = []
    for query in queries:
        for sentence in _extract(query, hits, per_query):
            if all(sentence.text != g.text for g in guidance):
                guidance.append(sentence)
    contact = [Sentence(str(fields["contact"]))] if fields.get("contact") else []
    if not contact and kind.profile.needs_contact:
        contact = _contact(retriever, municipality)
    mayor, city = mayor_and_name(municipality)
    kyouji = kyouji_text(mayor, city) if kind.disposition else []
    evidence = _evidence(content, fields, hits, [*(c.text for c in contact), *kyouji])
    body = [p for p in (_cite([Sentence(t) for t in content.lead], sources), _cite(guidance, sources)) if p]
    used = "extractive"
    if is_llm(engine) and hits:
        assert engine is not None
        written = _llm_body(engine, kind, content, hits, evidence, personal, prompts_dir or Path("prompts"))
        if written is None:
            notes.append("LLM の下書きが根拠のない数字を含んだため、資料の文による下書きに切り替えました。")
        else:
            text, cited_hits = written
            sources = SourceList()
            numbers = {i: sources.cite(SourceRef.from_hit(h)) for i, h in enumerate(cited_hits, 1)}
            body = [line.strip() for line in renumber(text, numbers).splitlines() if line.strip()]
            used = engine.name
    table_rows, table_hit = ([], None) if kind.key != "kouhou" else _table_block(hits)
    layout = _layout(kind, content, fields, body, table_rows, table_hit, kyouji, contact, sources, mayor)
    markdown = f"{layout.markdown()}\n## 出典\n\n{sources.markdown() or '（なし）'}\n"
    findings = check_style(markdown, kind.profile)
    body_only = markdown.split("\n## 出典")[0]
    grounding = check_grounding(body_only, evidence)
    findings += [
        Finding("ungrounded-number", f"数字「{n}」が資料にも計算結果にもありません。", n)
        for n in grounding.ungrounded
    ]
    # The resident's copy carries no citation markers; the sources go to the caseworker's appendix.
    letter = layout.resident().map(personal.fill)
    filled = letter.markdown()
    rules = [masked_free_text(line, personal) for line in content.rule_text.splitlines() if line.strip()]
    appendix = appendix_markdown(
        content.title, layout, sources, rules, [f"{c.doc_id} › {c.heading}" for c in content.rule_citations]
    )
    return NoticeDraft(
        kind=kind.key, title=content.title, markdown=markdown, filled=filled, findings=findings,
        sources=sources.items, engine=used, notes=notes, unfilled=unfilled_placeholders(filled),
        letter=letter, appendix=appendix,
    )  # fmt: skip


def _layout(
    kind: NoticeType, content: NoticeContent, fields: dict[str, Any], body: list[str], table_rows: list[str],
    table_hit: Hit | None, kyouji: list[str], contact: list[Sentence], sources: SourceList, mayor: str,
) -> NoticeLayout:  # fmt: skip
    """The review copy in print order; citation numbers follow reading order (body, table, 教示, contact)."""
    table_intro, table = "", []
    if table_rows:
        assert table_hit is not None
        number = sources.cite(SourceRef.from_hit(table_hit, "（表）"))
        table_intro, table = f"日程は次の表のとおりです。[{number}]", _table_cells(table_rows)
    for ref in KYOUJI_SOURCES if kyouji else ():
        sources.cite(ref)
    contact_text = [_cite(contact, sources)] if contact else []
    if not kind.addressed:
        question = content.subject if kind.key == "faq" else ""
        return NoticeLayout(title=content.title, body=body, question=question, table_intro=table_intro,
                            table=table, contact=contact_text)  # fmt: skip
    return NoticeLayout(
        title=content.title, body=body, number=str(fields.get("document_number") or "第　　　号"),
        date=wareki_date(parse_date(fields["notice_date"], "notice_date"), weekday=False),
        addressee=[PERSONAL_FIELDS["address"], f"{PERSONAL_FIELDS['guardian_name']} 様"], sender=mayor,
        items=list(content.table), kyouji=kyouji, contact=contact_text,
    )  # fmt: skip
