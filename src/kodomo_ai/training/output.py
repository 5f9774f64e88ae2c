"""Training files: handout and quiz as Markdown and DOCX, drills, and the slide deck (PPTX)."""

from __future__ import annotations

from pathlib import Path

from kodomo_ai.drafting.docx_out import markdown_to_docx
from kodomo_ai.drafting.sources import SourceList, SourceRef
from kodomo_ai.training.material import AUDIENCE_LABELS, Cited, TrainingMaterial
from kodomo_ai.training.quiz import LETTERS
from kodomo_ai.training.sections import Section


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
        lines += [f"- {d}[{number}]" for d in point.details] + [""]
    lines += drills_markdown(material, sources)
    lines += ["## まとめ", ""] + [f"- {s}" for s in material.summary] + [""]
    lines += ["## 出典", "", sources.markdown(), ""]
    return "\n".join(lines)


def quiz_markdown(material: TrainingMaterial) -> str:
    """The quiz sheet, then the answer key with the passage and source that justify each answer."""
    sources = SourceList()
    lines = [f"# 確認テスト: {material.title}", "", "正しいものを一つ選んでください。", ""]
    for number, question in enumerate(material.quiz, 1):
        lines += [f"## 問{number}", "", question.stem, ""]
        lines += [f"- {LETTERS[i]}. {option}" for i, option in enumerate(question.options)] + [""]
    lines += ["## 解答と根拠", ""]
    for number, question in enumerate(material.quiz, 1):
        ref = sources.cite(_ref(question.section, question.passage))
        lines += [f"- 問{number}: {question.answer_letter}（根拠: 「{question.passage}」[{ref}]）"]
    lines += ["", "## 出典", "", sources.markdown(), ""]
    return "\n".join(lines)


def write_slides(material: TrainingMaterial, path: Path) -> Path:
    """The deck: title, goals, one slide per key point (sources in the notes), a case, summary, sources."""
    from pptx import Presentation
    from pptx.util import Pt

    deck = Presentation()
    title_layout, body_layout = deck.slide_layouts[0], deck.slide_layouts[1]

    def bullets(title: str, items: list[str], notes: str = "") -> None:
        slide = deck.slides.add_slide(body_layout)
        slide.shapes.title.text = title
        frame = slide.placeholders[1].text_frame
        for index, item in enumerate(items):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.text = item
            # Japanese sentences are long; a smaller size keeps them inside the default placeholder.
            paragraph.font.size = Pt(18 if len(items) > 3 else 20)
        if notes:
            slide.notes_slide.notes_text_frame.text = notes

    first = deck.slides.add_slide(title_layout)
    first.shapes.title.text = material.topic.title
    first.placeholders[1].text = f"{AUDIENCE_LABELS[material.audience]}の研修資料"
    bullets("学習目標", material.goals)
    for point in material.key_points:
        section = point.section
        notes = f"出典: {section.title} › {section.heading}\n{section.source}\n根拠の文: {section.lead()}"
        bullets(point.heading, [point.point, *point.details], notes)
    if material.drills:
        drill = material.drills[0]
        notes = "\n".join(
            [f"確認: {c.text}（{c.section.doc_id} › {c.section.heading}）" for c in drill.check]
            + [f"行動: {c.text}（{c.section.doc_id} › {c.section.heading}）" for c in drill.do]
            + [f"報告: {c.text}（{c.section.doc_id} › {c.section.heading}）" for c in drill.report]
        )
        bullets(
            "事例で考える",
            [drill.situation, "何を確認しますか。", "何をしますか。", "誰に報告・相談しますか。"],
            notes,
        )
    bullets("まとめ", material.summary)
    listed = [f"{s.title} › {s.heading}" for s in material.cited_sections()][:8]
    bullets("出典", listed, "\n".join(f"{s.heading}: {s.source}" for s in material.cited_sections()))
    path.parent.mkdir(parents=True, exist_ok=True)
    deck.save(str(path))
    return path


def write_training(material: TrainingMaterial, out_dir: Path) -> dict[str, Path]:
    """Write slides.pptx, handout.md/.docx, quiz.md/.docx and drills.md into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    handout, quiz = handout_markdown(material), quiz_markdown(material)
    drills_sources = SourceList()
    drills = "\n".join([f"# 場面演習: {material.title}", "", *drills_markdown(material, drills_sources, "#"),
                        "## 出典", "", drills_sources.markdown(), ""])  # fmt: skip
    files = {"slides": write_slides(material, out_dir / "slides.pptx")}
    for name, text in (("handout", handout), ("quiz", quiz), ("drills", drills)):
        (out_dir / f"{name}.md").write_text(text, encoding="utf-8")
        files[f"{name}_md"] = out_dir / f"{name}.md"
    files["handout_docx"] = markdown_to_docx(handout, out_dir / "handout.docx")
    files["quiz_docx"] = markdown_to_docx(quiz, out_dir / "quiz.docx")
    return files
