"""Caseworker page: questions as a caseworker and the calculators (the process diagrams have their own page)."""

from __future__ import annotations

import json

import streamlit as st
from client import ApiError
from common import client, need_key, render_answer_text, render_citations, render_escalation, show_error

st.title("自治体職員")
if need_key():
    ask_tab, calc_tab = st.tabs(["質問", "計算"])

    with ask_tab:
        with st.form("ask"):
            question = st.text_area(
                "質問（職員向けの回答）", placeholder="例: 育休明けの入所で利用調整の加点はありますか"
            )
            submitted = st.form_submit_button("質問する")
        if submitted and question.strip():
            try:
                answer = client().consult(question, audience="caseworker")
            except ApiError as error:
                show_error(error)
            else:
                render_escalation(answer)
                render_answer_text(answer)
                for result in answer.get("rule_results") or []:
                    st.json(result, expanded=False)
                render_citations(answer)

    with calc_tab:
        try:
            rules = client().rules()
        except ApiError as error:
            show_error(error)
            rules = []
        if rules:
            labels = {r["name"]: r["label"] for r in rules}
            name = st.selectbox("計算", list(labels), format_func=lambda n: labels[n])
            rule = next(r for r in rules if r["name"] == name)
            st.caption(rule["description"])
            text = st.text_area("入力（JSON）", json.dumps(rule["example"], ensure_ascii=False, indent=2),
                                height=260, key=f"calc_{name}")  # fmt: skip
            with st.expander("入力項目の説明（JSON スキーマ）"):
                st.json(rule["input_schema"], expanded=False)
            if st.button("計算する", key="run_calc"):
                try:
                    result = client().calc(name, json.loads(text))
                except json.JSONDecodeError as exc:
                    st.error(f"JSON として読めません: {exc}")
                except ApiError as error:
                    show_error(error)
                else:
                    st.subheader("結果")
                    st.json(result["result"])
                    st.subheader("判定の手順")
                    for n, step in enumerate(result["steps"], 1):
                        st.markdown(f"{n}. {step}")
                    if result["citations"]:
                        st.caption(
                            "根拠: "
                            + "、".join(
                                f"{c['doc_id']}「{c.get('heading', '')}」" for c in result["citations"]
                            )
                        )
