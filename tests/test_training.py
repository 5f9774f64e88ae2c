"""Training material for every topic from the bundled corpus: PPTX, DOCX, quiz checks, drills, CLI and API."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pytest

from kodomo_ai.drafting.docx_out import docx_text
from kodomo_ai.retrieval import Retriever
from kodomo_ai.training import TOPICS, build_training, verify_question, write_training
from kodomo_ai.training.quiz import supported
from kodomo_ai.training.slides import BULLETS_NAME, MAX_BULLETS, SHORT_BULLET


@pytest.fixture(scope="module")
def retriever(corpus_kb: Any) -> Retriever:
    return Retriever(corpus_kb)


@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_topic_builds_cited_files(topic: str, retriever: Retriever, tmp_path: Path) -> None:
    from docx import Document
    from pptx import Presentation

    material = build_training(topic, retriever=retriever, audience="new")
    files = write_training(material, tmp_path)
    deck = Presentation(str(files["slides"]))
    assert deck.slide_width * 9 == deck.slide_height * 16  # 16:9
    titles = [s.shapes.title.text for s in deck.slides]
    assert titles[0] == TOPICS[topic].title and titles[-1] == "出典"
    for slide in deck.slides:
        bullets = [
            p.text
            for shape in slide.shapes
            if shape.name == BULLETS_NAME
            for p in shape.text_frame.paragraphs
        ]
        assert len(bullets) <= MAX_BULLETS and all(len(b) <= SHORT_BULLET for b in bullets), bullets
        for shape in slide.shapes:  # nothing drawn outside the slide
            assert (
                shape.left + shape.width <= deck.slide_width and shape.top + shape.height <= deck.slide_height
            )
    assert {"学習目標", "事例で考える", "まとめ", "出典"} <= set(titles)
    point_slides = [s for s in deck.slides if s.shapes.title.text in {k.heading for k in material.key_points}]
    assert len(point_slides) == len(material.key_points) >= 3
    for slide in point_slides:
        notes = slide.notes_slide.notes_text_frame.text
        assert notes.startswith("出典: ") and material.topic.doc_id not in ("",)
    handout = docx_text(files["handout_docx"])
    assert "学習目標" in handout and "場面演習" in handout and "出典" in handout
    # Quiz: at least 3 questions, each answer word for word in its cited section, no distractor there.
    assert len(material.quiz) >= 3
    for question in material.quiz:
        assert verify_question(question) == []
        assert supported(question.options[question.answer], question.section.text)
        assert len(question.options) >= 3 and len(set(question.options)) == len(question.options)
        assert question.section.doc_id == topic
    # The answer key starts on its own page, after every question.
    quiz = Document(str(files["quiz_docx"]))
    texts = [p.text for p in quiz.paragraphs]
    key = next(i for i, t in enumerate(texts) if t.startswith("解答と根拠"))
    assert quiz.paragraphs[key].paragraph_format.page_break_before is True
    assert sum(t.startswith("問") and len(t) <= 3 for t in texts[:key]) == len(material.quiz)
    assert all(
        abs(s.page_width.mm - 210) < 0.5
        for d in (quiz, Document(str(files["handout_docx"])))
        for s in d.sections
    )
    # Drills: situation, what to check, what to do and who to report to, each cited, no bullet twice.
    assert len(material.drills) == 2
    for drill in material.drills:
        assert drill.situation and drill.check and drill.do and drill.report
    drills = files["drills_md"].read_text(encoding="utf-8")
    assert "報告・相談する先" in drills
    bullets = [re.sub(r"\[\d+\]$", "", line) for line in drills.splitlines() if line.startswith("- ")]
    assert len(bullets) >= 6 and len(bullets) == len(set(bullets)), bullets


def test_leader_audience_adds_facility_rules(retriever: Retriever) -> None:
    new = build_training("suimin", retriever=retriever, audience="new")
    leader = build_training("睡眠", retriever=retriever, audience="leader")
    assert any("施設で決めておくこと" in k.heading for k in leader.key_points)
    assert not any("施設で決めておくこと" in k.heading for k in new.key_points)
    assert "施設の決まり" in leader.goals[0]


def test_distractors_alter_a_true_statement(retriever: Retriever) -> None:
    material = build_training("suimin", retriever=retriever)
    for question in material.quiz:
        correct = question.options[question.answer]
        for index, option in enumerate(question.options):
            if index != question.answer:
                assert option != correct and not supported(option, question.section.text)
    assert {"number", "actor"} & {k for q in material.quiz for k in q.kinds}


def test_unknown_topic_is_named(retriever: Retriever) -> None:
    from kodomo_ai.errors import InputError

    with pytest.raises(InputError) as info:
        build_training("no-such-topic", retriever=retriever)
    assert info.value.field == "topic"


def test_training_and_drafting_api(tmp_path_factory: pytest.TempPathFactory, corpus_kb: Any) -> None:
    from docx import Document
    from fastapi.testclient import TestClient
    from pptx import Presentation

    from kodomo_ai.api import create_app
    from kodomo_ai.config import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("drafting-api"))
    app = create_app(settings, knowledge_base=corpus_kb)
    keys = {r: app.state.kodomo.storage.create_key(r, r)[1] for r in ("caseworker", "trainer")}
    client = TestClient(app)
    headers = {role: {"Authorization": f"Bearer {key}"} for role, key in keys.items()}

    response = client.post(
        "/v1/training", json={"topic": "mizuasobi", "audience": "leader"}, headers=headers["trainer"]
    )
    assert response.status_code == 200, response.text
    body = response.json()
    deck = Presentation(io.BytesIO(base64.b64decode(body["files"]["slides"]["base64"])))
    assert len(deck.slides) >= 6 and body["quiz"] and "確認テスト" in body["markdown"]["quiz"]
    assert (
        client.post("/v1/training", json={"topic": "mizuasobi"}, headers=headers["caseworker"]).status_code
        == 403
    )

    fields = {"question": "保育所の入所が保留になったらどうなりますか"}
    response = client.post(
        "/v1/drafts", json={"type": "faq", "fields": fields}, headers=headers["caseworker"]
    )
    assert response.status_code == 200, response.text
    draft = response.json()
    assert draft["sources"] and "Q." in draft["markdown"]
    document = Document(io.BytesIO(base64.b64decode(draft["files"]["docx"]["base64"])))
    assert not any(re.search(r"\[\d+\]", p.text) for p in document.paragraphs)  # the resident's copy
    appendix = Document(io.BytesIO(base64.b64decode(draft["files"]["sources_docx"]["base64"])))
    assert any("出典" in p.text for p in appendix.paragraphs)
    missing = client.post(
        "/v1/drafts", json={"type": "riyou-horyu", "fields": {}}, headers=headers["caseworker"]
    )
    assert missing.status_code in (400, 422) and missing.json()["error"]["field"] == "notice_date"
    assert (
        client.post(
            "/v1/drafts", json={"type": "faq", "fields": fields}, headers=headers["trainer"]
        ).status_code
        == 403
    )
