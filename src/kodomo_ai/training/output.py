"""Training files: handout and quiz as Markdown and DOCX, drills, and the slide deck (PPTX)."""

from __future__ import annotations

from pathlib import Path

from kodomo_ai.drafting.docx_out import PAGE_BREAK, markdown_to_docx
from kodomo_ai.drafting.sources import SourceList, SourceRef
from kodomo_ai.training.material import AUDIENCE_LABELS, Cited, TrainingMaterial
from kodomo_ai.training.quiz import LETTERS
from kodomo_ai.training.sections import Section
from kodomo_ai.training.slides import write_slides


def _ref(section: Section, quote: str = "") -> SourceRef:
    return SourceRef(section.doc_id, section.title, section.source, section.heading, section.chunk_id, quote)


def _cited(items: list[Cited], sources: SourceList) -> list[str]:
    return [f"- {c.text}[{sources.cite(_ref(c.section, c.text))}]" for c in items] or [
        "- （資料に該当する記述がありません）"
    ]


def drills_markdown(material: TrainingMaterial, sources: SourceList, level: str = "##") -> list[str]:
    """The scenario drills: situation, what to check, what to do, who to report to."""
    lines = [f"{level} 場面演習", ""]
    for number, drill in enumerate(material.drills, 1):
        lines += [f"{level}# 演習{number}", "", f"**場面**: {drill.situation}", "", "確認すること:", ""]
        lines += _cited(drill.check, sources) + ["", "すること:", ""] + _cited(drill.do, sources)
        lines += ["", "報告・相談する先:", ""] + _cited(drill.report, sources) + [""]
    return lines


def handout_markdown(material: TrainingMaterial) -> str:
    """The handout: goals, cited key points, drills, summary and the sources."""
    sources = SourceList()
    lines = [f"# {material.title}", "", f"対象: {AUDIENCE_LABELS[material.audience]}", "", "## 学習目標", ""]
    lines += [f"- {goal}" for goal in material.goals] + ["", "## 要点", ""]
    for point in material.key_points:
        number = sources.cite(_ref(point.section, point.point))
        lines += [f"### {point.heading}", "", f"{point.point}[{number}]", ""]
        lines += [f"- {d}" for d in point.details] + [""]
    lines += drills_markdown(material, sources)
    lines += ["## まとめ", ""] + [f"- {s}" for s in material.summary] + [""]
    lines += ["## 出典", "", sources.markdown(), ""]
    return "\n".join(lines)


def quiz_markdown(material: TrainingMaterial) -> str:
    """The quiz sheet, then on a new page the answer key with the passage and source behind each answer."""
    sources = SourceList()
    lines = [f"# 確認テスト: {material.title}", "", "正しいものを一つ選んでください。", ""]
    for number, question in enumerate(material.quiz, 1):
        lines += [f"## 問{number}", "", question.stem, ""]
        lines += [p for i, option in enumerate(question.options) for p in (f"{LETTERS[i]}. {option}", "")]
    lines += [PAGE_BREAK, f"# 解答と根拠: {material.title}", "", "（研修担当者用。受講者には配りません）", ""]
    for number, question in enumerate(material.quiz, 1):
        ref = sources.cite(_ref(question.section, question.passage))
        lines += [f"- 問{number}: {question.answer_letter}（根拠: 「{question.passage}」[{ref}]）"]
    lines += ["", "## 出典", "", sources.markdown(), ""]
    return "\n".join(lines)


def write_training(material: TrainingMaterial, out_dir: Path) -> dict[str, Path]:
    """Write slides.pptx, handout, quiz (key on its own page) and drills as Markdown and DOCX into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    handout, quiz = handout_markdown(material), quiz_markdown(material)
    drills_sources = SourceList()
    # The file's own title replaces the section heading "場面演習" that the handout uses.
    drills = "\n".join([f"# 場面演習: {material.title}", "", *drills_markdown(material, drills_sources, "#")[2:],
                        "## 出典", "", drills_sources.markdown(), ""])  # fmt: skip
    files = {"slides": write_slides(material, out_dir / "slides.pptx")}
    for name, text in (("handout", handout), ("quiz", quiz), ("drills", drills)):
        (out_dir / f"{name}.md").write_text(text, encoding="utf-8")
        files[f"{name}_md"] = out_dir / f"{name}.md"
    files["handout_docx"] = markdown_to_docx(handout, out_dir / "handout.docx")
    files["quiz_docx"] = markdown_to_docx(quiz, out_dir / "quiz.docx")
    files["drills_docx"] = markdown_to_docx(drills, out_dir / "drills.docx")
    return files
