"""Training page: choose a safety topic and audience, preview the handout and quiz, download PPTX/DOCX."""

from __future__ import annotations

import base64

import streamlit as st
from client import ApiError
from common import client, need_key, show_error

st.title("研修資料の作成")
st.caption("スライド・配布資料・確認テスト（解答と根拠つき）・場面演習を、資料の出典つきで作ります。")
if need_key():
    try:
        topics = client().get("/v1/training/topics")
    except ApiError as error:
        show_error(error)
        topics = []
    if topics:
        labels = {t["topic"]: t["title"] for t in topics}
        topic = st.selectbox("テーマ", list(labels), format_func=lambda k: labels[k])
        audience = st.radio(
            "対象",
            ["new", "leader"],
            format_func=lambda a: {"new": "新任職員", "leader": "施設長・リーダー"}[a],
        )
        questions = st.slider("確認テストの問題数", 1, 10, 5)
        engine = st.selectbox("エンジン", ["extractive", "openai", "llamacpp"])
        if st.button("研修資料を作る"):
            try:
                result = client().post("/v1/training", {"topic": topic, "audience": audience, "engine": engine,
                                                        "questions": questions})  # fmt: skip
            except ApiError as error:
                show_error(error)
            else:
                for note in result.get("notes", []):
                    st.info(note)
                handout, quiz, drills = st.tabs(["配布資料", "確認テスト", "場面演習"])
                handout.markdown(result["markdown"]["handout"])
                quiz.markdown(result["markdown"]["quiz"])
                drills.markdown(result["markdown"]["drills"])
                labels_files = {
                    "slides": "スライド（PPTX）",
                    "handout_docx": "配布資料（DOCX）",
                    "quiz_docx": "確認テスト（DOCX）",
                }
                for name, label in labels_files.items():
                    item = result["files"].get(name)
                    if item:
                        st.download_button(
                            label, base64.b64decode(item["base64"]), file_name=item["filename"], key=name
                        )
