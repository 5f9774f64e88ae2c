"""Admin page: upload documents, ingest results, stale documents, keys and the audit log."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from client import ApiError
from common import client, need_key, show_error

st.title("管理者")
if need_key():
    docs_tab, keys_tab, audit_tab = st.tabs(["文書", "APIキー", "監査ログ"])

    with docs_tab:
        uploaded = st.file_uploader("文書を追加（Markdown・テキスト・HTML・PDF・DOCX）",
                                    type=["md", "markdown", "txt", "html", "htm", "pdf", "docx"])  # fmt: skip
        if uploaded is not None and st.button("取り込む"):
            try:
                report = client().upload(uploaded.name, uploaded.getvalue())
            except ApiError as error:
                show_error(error)
            else:
                st.success(f"追加 {len(report['added'])}・更新 {len(report['updated'])}・変更なし "
                           f"{len(report['unchanged'])}（{report['chunks']}段落, {report['seconds']}秒）")  # fmt: skip
                for problem in report["errors"]:
                    st.warning(problem)
        try:
            docs = client().documents()
        except ApiError as error:
            show_error(error)
            docs = []
        stale = [d for d in docs if d["stale"]]
        st.subheader(f"古くなっている可能性のある文書（{len(stale)}件）")
        if stale:
            st.dataframe(pd.DataFrame(stale)[["doc_id", "title", "published", "effective_to", "stale_reason"]],
                         hide_index=True)  # fmt: skip
        st.subheader(f"登録文書（{len(docs)}件）")
        if docs:
            st.dataframe(pd.DataFrame(docs)[["doc_id", "title", "doc_type", "published", "effective_to", "chunks", "stale"]],
                         hide_index=True)  # fmt: skip
            retire = st.selectbox("取り下げる文書", [""] + [d["doc_id"] for d in docs])
            if retire and st.button("取り下げる", type="primary"):
                try:
                    client().retire(retire)
                    st.success(f"{retire} を取り下げました")
                except ApiError as error:
                    show_error(error)

    with keys_tab:
        with st.form("new_key"):
            role = st.selectbox("役割", ["caseworker", "trainer", "evaluator", "admin"])
            name = st.text_input("メモ（誰のキーか）")
            if st.form_submit_button("キーを作る"):
                try:
                    created = client().create_key(role, name)
                    st.success("キーを作りました。この画面を離れると二度と表示されません。")
                    st.code(created["key"])
                except ApiError as error:
                    show_error(error)
        try:
            st.dataframe(pd.DataFrame(client().keys()), hide_index=True)
        except ApiError as error:
            show_error(error)

    with audit_tab:
        since = st.date_input("この日から", dt.date.today() - dt.timedelta(days=7))
        try:
            rows = client().audit(since=since.isoformat(), limit=500)
        except ApiError as error:
            show_error(error)
            rows = []
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True)
            st.caption("CSV で書き出すには: `kodomo-ai audit export --since " + since.isoformat() + "`")
        else:
            st.caption("この期間の記録はありません。")
