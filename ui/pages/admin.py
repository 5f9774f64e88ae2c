"""Admin page: upload documents (per-file progress), stale documents, keys and the audit log."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import streamlit as st
from client import ApiError
from common import client, need_key, service_limits, show_error

DEFAULT_LIMIT_MB = 20.0
COLUMNS = {"doc_id": "文書ID", "title": "題名", "doc_type": "種類", "published": "公表日", "effective_to": "効力の終わり",
           "chunks": "段落数", "stale": "古い可能性", "stale_reason": "理由"}  # fmt: skip
STATUS_LABELS = {
    "waiting": "待機中",
    "running": "取り込み中…",
    "done": "完了",
    "failed": "失敗",
    "skipped": "大きすぎます",
}


def ingest_files(files: list[Any], limit_mb: float) -> None:
    """Upload the files one by one, with a progress bar and each file's status in a table."""
    rows = [{"ファイル": f.name, "大きさ": f"{f.size / 2**20:.1f}MB", "状態": STATUS_LABELS["waiting"], "結果": ""}
            for f in files]  # fmt: skip
    bar = st.progress(0.0, text=f"0 / {len(files)} 件")
    table = st.empty()
    table.dataframe(pd.DataFrame(rows), hide_index=True)
    for n, (file, row) in enumerate(zip(files, rows, strict=True), 1):
        if file.size > limit_mb * 2**20:
            row["状態"], row["結果"] = STATUS_LABELS["skipped"], f"上限 {limit_mb:g}MB を超えています"
        else:
            row["状態"] = STATUS_LABELS["running"]
            table.dataframe(pd.DataFrame(rows), hide_index=True)
            try:
                report = client().upload(file.name, file.getvalue())
            except ApiError as error:
                row["状態"], row["結果"] = STATUS_LABELS["failed"], error.message
            else:
                row["状態"] = STATUS_LABELS["done"]
                row["結果"] = (f"追加 {len(report['added'])}・更新 {len(report['updated'])}・変更なし "
                              f"{len(report['unchanged'])}（{report['chunks']}段落, {report['seconds']}秒）")  # fmt: skip
                if report["errors"]:
                    row["結果"] += "　注意: " + "; ".join(report["errors"])
        bar.progress(n / len(files), text=f"{n} / {len(files)} 件")
        table.dataframe(pd.DataFrame(rows), hide_index=True)
    failed = sum(r["状態"] != STATUS_LABELS["done"] for r in rows)
    (st.warning if failed else st.success)(
        f"{len(files) - failed} 件を取り込みました"
        + (f"（{failed} 件は取り込めませんでした）" if failed else "")
    )


st.title("管理者")
if need_key():
    docs_tab, keys_tab, audit_tab = st.tabs(["文書", "APIキー", "監査ログ"])

    with docs_tab:
        limit_mb = service_limits().get("max_file_mb") or DEFAULT_LIMIT_MB
        uploaded = st.file_uploader(
            f"文書を追加（Markdown・テキスト・HTML・PDF・DOCX、1ファイル {limit_mb:g}MB まで）",
            type=["md", "markdown", "txt", "html", "htm", "pdf", "docx"],
            accept_multiple_files=True,
            max_upload_size=max(1, math.ceil(limit_mb)),
        )
        if uploaded and st.button("取り込む"):
            ingest_files(uploaded, limit_mb)
        try:
            docs = client().documents()
        except ApiError as error:
            show_error(error)
            docs = []
        stale = [d for d in docs if d["stale"]]
        st.subheader(f"古くなっている可能性のある文書（{len(stale)}件）")
        if stale:
            st.dataframe(pd.DataFrame(stale)[["doc_id", "title", "published", "effective_to", "stale_reason"]]
                         .rename(columns=COLUMNS), hide_index=True)  # fmt: skip
        st.subheader(f"登録文書（{len(docs)}件）")
        if docs:
            st.dataframe(pd.DataFrame(docs)[["doc_id", "title", "doc_type", "published", "effective_to", "chunks", "stale"]]
                         .rename(columns=COLUMNS), hide_index=True)  # fmt: skip
            retire = st.selectbox(
                "取り下げる文書", [d["doc_id"] for d in docs], index=None, placeholder="文書を選んでください"
            )
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
