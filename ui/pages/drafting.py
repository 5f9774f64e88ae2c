"""Drafting page: choose a notice type, give its fields as JSON, preview the draft and download the DOCX."""

from __future__ import annotations

import base64
import json

import streamlit as st
from client import ApiError
from common import client, need_key, show_error

EXAMPLE_FIELDS = {
    "riyou-horyu": {"notice_date": "2027-02-05", "admission_date": "2027-04-01", "applicant_id": "A-002",
                    "guardian_name": "", "child_name": "", "address": "",
                    "allocation": {"fiscal_year": 2027, "facilities": [{"id": "F1", "name": "みどり中央保育園", "capacity": {"1": 1}}],
                                   "applicants": [{"id": "A-001", "class_age": 1, "choices": ["F1"], "household": {"parents": [{"reason": "work", "hours_per_month": 160}, {"reason": "work", "hours_per_month": 160}]}},
                                                  {"id": "A-002", "class_age": 1, "choices": ["F1"], "household": {"parents": [{"reason": "work", "hours_per_month": 100}, {"reason": "work", "hours_per_month": 120}]}}]}},
    "kouhou": {"subject": "令和9年4月入所の保育所等の申込み", "query": "4月入所 一次申込み 期間 日程"},
    "faq": {"question": "保育所の入所が保留になったらどうなりますか"},
}  # fmt: skip

st.title("起案（通知文・広報文・FAQ）")
st.caption(
    "氏名・住所などの個人の欄は〔氏名〕のような記号のまま下書きし、この画面に戻ってから差し込みます。LLM には送りません。"
)
if need_key():
    try:
        types = client().get("/v1/drafts/types")
    except ApiError as error:
        show_error(error)
        types = []
    if types:
        labels = {t["type"]: t["title"] for t in types}
        kind = st.selectbox("文書の種類", list(labels), format_func=lambda k: f"{labels[k]}（{k}）")
        spec = next(t for t in types if t["type"] == kind)
        st.caption(spec["description"])
        st.table(
            [
                {"項目": f["name"], "説明": f["label"], "必須": "○" if f["required"] else ""}
                for f in spec["fields"]
            ]
        )
        example = EXAMPLE_FIELDS.get(kind) or {f["name"]: "" for f in spec["fields"] if f["required"]}
        text = st.text_area(
            "項目（JSON）", json.dumps(example, ensure_ascii=False, indent=2), height=280, key=f"f_{kind}"
        )
        engine = st.selectbox("エンジン", ["extractive", "openai", "llamacpp"])
        if st.button("下書きを作る"):
            try:
                result = client().post(
                    "/v1/drafts", {"type": kind, "fields": json.loads(text), "engine": engine}
                )
            except json.JSONDecodeError as exc:
                st.error(f"JSON として読めません: {exc}")
            except ApiError as error:
                show_error(error)
            else:
                for note in result.get("notes", []):
                    st.info(note)
                preview, template = st.tabs(["差し込み後", "記号のまま"])
                preview.markdown(result["filled_markdown"])
                template.code(result["markdown"], language="markdown")
                if result["findings"]:
                    st.subheader("公用文チェックの指摘")
                    st.table(
                        [
                            {"規則": f["rule"], "指摘": f["message"], "該当": f["excerpt"]}
                            for f in result["findings"]
                        ]
                    )
                else:
                    st.success("公用文チェックの指摘はありません。")
                docx = result["files"]["docx"]
                st.download_button(
                    "DOCX をダウンロード", base64.b64decode(docx["base64"]), file_name=docx["filename"]
                )
                st.download_button("Markdown をダウンロード", result["filled_markdown"].encode("utf-8"),
                                   file_name=f"{kind}.md")  # fmt: skip
