"""Training material from a safety topic: goals, cited key points, a case, drills, a summary and a quiz."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from kodomo_ai.drafting.llm import complete, is_llm
from kodomo_ai.engines.base import AnswerEngine, EngineRequest
from kodomo_ai.engines.extractive import ExtractiveEngine
from kodomo_ai.errors import EngineError, InputError
from kodomo_ai.grounding import check_grounding
from kodomo_ai.prompts import load_prompt
from kodomo_ai.retrieval import Retriever
from kodomo_ai.schema import Hit
from kodomo_ai.training.quiz import QuizQuestion, build_quiz
from kodomo_ai.training.sections import Section, document_sections
from kodomo_ai.training.topics import Topic, resolve_topic

log = logging.getLogger(__name__)
TrainingAudience = Literal["new", "leader"]
AUDIENCE_LABELS = {"new": "新任職員向け", "leader": "施設長・リーダー向け"}
_DRILLS = Path(__file__).with_name("data") / "drills.yaml"
# Sections written for parents, or about the document itself, are not training points.
_SKIP_HEADINGS = ("保護者向け", "この文書で扱う範囲", "保護者が気づいたとき", "家庭での虐待")
_LEADER_ONLY = ("研修で確認したいこと", "施設で決めておくこと", "報告が伝わる経路", "第2報")
_LINE = re.compile(r"^\s*(\d{1,2})[.．)]\s*(.+)$")


@dataclass
class Cited:
    """A sentence and the section that backs it."""

    text: str
    section: Section

    def as_dict(self) -> dict[str, str]:
        """Plain dict for JSON."""
        return {"text": self.text, "doc_id": self.section.doc_id, "heading": self.section.heading,
                "chunk_id": self.section.chunk_id, "source": self.section.source}  # fmt: skip


@dataclass
class KeyPoint:
    """One key point: its heading, the point, supporting details, and the section it comes from."""

    heading: str
    point: str
    details: list[str]
    section: Section


@dataclass
class Drill:
    """A scenario drill: situation, what to check, what to do, who to report to (each cited)."""

    situation: str
    check: list[Cited]
    do: list[Cited]
    report: list[Cited]


@dataclass
class TrainingMaterial:
    """Everything generated for one topic and audience."""

    topic: Topic
    audience: TrainingAudience
    title: str
    goals: list[str]
    key_points: list[KeyPoint]
    drills: list[Drill]
    summary: list[str]
    quiz: list[QuizQuestion]
    sections: list[Section]
    engine: str = "extractive"
    notes: list[str] = field(default_factory=list)

    def cited_sections(self) -> list[Section]:
        """Every section cited anywhere in the material, in first-use order."""
        out: list[Section] = []
        items: list[Section] = [k.section for k in self.key_points]
        for drill in self.drills:
            items += [c.section for c in (*drill.check, *drill.do, *drill.report)]
        items += [q.section for q in self.quiz]
        for section in items:
            if all(section.chunk_id != s.chunk_id for s in out):
                out.append(section)
        return out

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return {
            "topic": self.topic.doc_id, "audience": self.audience, "title": self.title, "goals": self.goals,
            "key_points": [{"heading": k.heading, "point": k.point, "details": k.details, "doc_id": k.section.doc_id,
                            "chunk_id": k.section.chunk_id, "source": k.section.source} for k in self.key_points],
            "drills": [{"situation": d.situation, "check": [c.as_dict() for c in d.check],
                        "do": [c.as_dict() for c in d.do], "report": [c.as_dict() for c in d.report]}
                       for d in self.drills],
            "summary": self.summary, "quiz": [q.as_dict() for q in self.quiz], "engine": self.engine,
            "notes": self.notes,
        }  # fmt: skip


@lru_cache(maxsize=1)
def _drill_table() -> dict[str, list[dict[str, str]]]:
    data: dict[str, list[dict[str, str]]] = yaml.safe_load(_DRILLS.read_text(encoding="utf-8"))
    return data


def _use_section(section: Section, audience: TrainingAudience) -> bool:
    if any(word in section.heading for word in _SKIP_HEADINGS):
        return False
    return audience == "leader" or not any(word in section.heading for word in _LEADER_ONLY)


def _key_point(section: Section, audience: TrainingAudience) -> KeyPoint:
    sentences = section.sentences()
    # New staff get the concrete checklist items; leaders get the sentences about rules and systems.
    items = section.items()
    rest = [s for s in sentences[1:] if s not in items and not s.endswith("次のとおりです。")]
    details = (items or rest)[:4] if audience == "new" else (rest or items)[:3]
    return KeyPoint(heading=section.heading, point=section.lead(), details=details, section=section)


def _pick(query: str, sections: list[Section], limit: int, used: dict[str, str]) -> list[Cited]:
    """The best sentences of `sections` for `query`, chosen by the extractive engine among those not `used`.

    `used` maps each sentence already shown to its raw text; those are cut out of the sections before the
    engine chooses, so a drill step gets the next best sentence instead of a repeat or nothing.
    """
    hits = []
    for s in sections:
        text = s.text
        for raw in used.values():
            text = text.replace(raw, "")
        hits.append(Hit(chunk_id=s.chunk_id, doc_id=s.doc_id, title=s.title, source=s.source, heading=s.heading,
                        text=text, score=0.0))  # fmt: skip
    by_id = {s.chunk_id: s for s in sections}
    # The staff audience lets the engine offer a few more sentences to choose from.
    chosen = ExtractiveEngine(max_hits=len(hits)).select(
        EngineRequest(question=query, hits=hits, audience="caseworker")
    )
    out: list[Cited] = []
    for candidate in chosen:
        if len(out) == limit:
            break
        if candidate.text not in used:
            used[candidate.text] = candidate.quote
            out.append(Cited(candidate.text, by_id[candidate.chunk_id]))
    return out


def _drills(topic: Topic, sections: list[Section], retriever: Retriever) -> list[Drill]:
    report_sections = list(sections)
    for doc_id in topic.report_docs:
        if doc_id != topic.doc_id:
            report_sections += document_sections(retriever, doc_id)
    out = []
    # One sentence serves one step of one drill: a trainee never reads the same bullet twice.
    used: dict[str, str] = {}
    for row in _drill_table().get(topic.doc_id, []):
        out.append(Drill(
            situation=row["situation"], check=_pick(row["check"], sections, 2, used),
            do=_pick(row["do"], sections, 2, used), report=_pick(row["report"], report_sections, 2, used),
        ))  # fmt: skip
    return out


def _goals(points: list[KeyPoint], audience: TrainingAudience) -> list[str]:
    headings = [p.heading for p in points][:4]
    if audience == "leader":
        return [f"「{h}」について、施設の決まりと役割分担を整え、職員に説明できる。" for h in headings]
    return [f"「{h}」を自分の言葉で説明し、その場で行動できる。" for h in headings]


def _llm_points(engine: AnswerEngine, topic: Topic, points: list[KeyPoint], audience: TrainingAudience,
                prompts_dir: Path) -> tuple[list[str], list[str]]:  # fmt: skip
    """Key points rewritten by an LLM; a line that is ungrounded in its own section keeps the extractive one."""
    prompt = load_prompt(prompts_dir, "training_outline")
    messages = prompt.render(topic_title=topic.title, audience=audience,
                             sections=[{"heading": p.heading, "text": p.section.text} for p in points])  # fmt: skip
    notes: list[str] = []
    result = [p.point for p in points]
    for _attempt in range(2):
        try:
            reply = complete(engine, messages)
        except EngineError as exc:
            return result, [f"LLM を使えなかったため、資料の文で要点を作りました（{exc}）。"]
        lines = {int(m.group(1)): m.group(2).strip() for m in map(_LINE.match, reply.splitlines()) if m}
        bad = []
        for i, point in enumerate(points, 1):
            line = lines.get(i, "")
            if line and check_grounding(line, [point.section.text]).ok:
                result[i - 1] = line
            else:
                bad.append(i)
        if not bad:
            return result, notes
        messages = [*messages, {"role": "assistant", "content": reply}, {"role": "user", "content": (
            f"節 {', '.join(map(str, bad))} の要点に、節にない数字があるか、行がありません。節の数字だけで書き直してください。")}]  # fmt: skip
    notes.append("LLM の要点の一部が根拠のない数字を含んだため、その要点は資料の文のままにしました。")
    return result, notes


def build_training(
    topic_name: str, *, retriever: Retriever, audience: TrainingAudience = "new",
    engine: AnswerEngine | None = None, prompts_dir: Path | None = None, questions: int = 5,
) -> TrainingMaterial:  # fmt: skip
    """Build slides content, handout, quiz and drills for a topic from the indexed corpus."""
    if audience not in AUDIENCE_LABELS:
        raise InputError("audience", "new（新任職員）か leader（施設長・リーダー）を指定してください")
    topic = resolve_topic(topic_name)
    sections = document_sections(retriever, topic.doc_id)
    used = [s for s in sections if _use_section(s, audience)]
    points = [_key_point(s, audience) for s in used]
    notes: list[str] = []
    engine_name = "extractive"
    if is_llm(engine) and points:
        assert engine is not None
        rewritten, notes = _llm_points(engine, topic, points, audience, prompts_dir or Path("prompts"))
        for point, text in zip(points, rewritten, strict=True):
            point.point = text
        engine_name = engine.name
    quiz = build_quiz(used, sections, count=questions + (1 if audience == "leader" else 0))
    return TrainingMaterial(
        topic=topic, audience=audience, title=f"{topic.title}（{AUDIENCE_LABELS[audience]}）",
        goals=_goals(points, audience), key_points=points, drills=_drills(topic, sections, retriever),
        summary=[p.point for p in points][:5], quiz=quiz, sections=sections, engine=engine_name, notes=notes,
    )  # fmt: skip
