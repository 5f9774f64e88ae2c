"""Caseworker inbox: hand-off cases by urgency; read the masked conversation, reply, add a note, close."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from client import ApiError
from common import client, need_key, show_error

AUTHORS = {"parent": "保護者", "assistant": "自動応答", "caseworker": "職員", "system": "システム"}
KINDS = {"message": "", "reply": "返信", "note": "メモ（保護者には見えません）", "status": "状態"}
CHANNELS = {"web": "Web", "line": "LINE"}
STATUS = {"open": "未対応", "answered": "返信済み", "closed": "終了"}
FILTERS = {
    "対応中（未対応・返信済み）": "active",
    "未対応": "open",
    "返信済み": "answered",
    "終了": "closed",
    "すべて": "all",
}


def show_case(case: dict[str, Any]) -> None:
    """The case's entries and the reply / note / close actions."""
    st.subheader(f"受付番号 {case['number']}（{STATUS.get(case['status'], case['status'])}）")
    st.caption(
        f"緊急度 {'高' if case['urgency'] >= 2 else '通常'}・理由 {case['reason']}・{CHANNELS.get(case['channel'], case['channel'])}"
    )
    for entry in case["entries"]:
        who = AUTHORS.get(entry["author"], entry["author"])
        kind = KINDS.get(entry["kind"], entry["kind"])
        role = "user" if entry["author"] == "parent" else "assistant"
        with st.chat_message(role):
            st.markdown(f"**{who}** {kind}　{entry['at'][:16].replace('T', ' ')}")
            st.text(entry["text"])
            if entry.get("delivery"):
                st.caption(f"届け先: {entry['delivery']}")
    if case["status"] == "closed":
        return
    with st.form(f"reply-{case['number']}", clear_on_submit=True):
        text = st.text_area("保護者への返信（Web の会話または LINE に届きます）")
        note = st.text_area("メモ（職員だけが見ます）")
        send, save, close = st.columns(3)
        actions = {"reply": send.form_submit_button("返信を送る", type="primary"),
                   "notes": save.form_submit_button("メモを残す"), "close": close.form_submit_button("終了にする")}  # fmt: skip
    try:
        if actions["reply"] and text.strip():
            client().post(f"/v1/inbox/{case['number']}/reply", {"text": text})
            st.success("返信しました")
        elif actions["notes"] and note.strip():
            client().post(f"/v1/inbox/{case['number']}/notes", {"text": note})
            st.success("メモを残しました")
        elif actions["close"]:
            client().post(f"/v1/inbox/{case['number']}/close", {"reason": note})
            st.success("終了にしました")
        else:
            return
    except ApiError as error:
        show_error(error)
        return
    st.rerun()


st.title("引き継ぎ（担当者への相談）")
st.caption(
    "保護者が「人と話したい」と求めた相談と、つらさや虐待の相談から担当者につないだ相談です。緊急度の高いもの、待ち時間の長いものから並びます。緊急通報（119番など）はここには来ません。"
)
if need_key():
    choice = st.radio("表示", list(FILTERS), horizontal=True)
    try:
        cases = client().get("/v1/inbox", status=FILTERS[choice])
    except ApiError as error:
        show_error(error)
        st.stop()
    if not cases:
        st.info("該当する相談はありません。")
        st.stop()
    table = pd.DataFrame(
        [
            {
                "受付番号": c["number"],
                "緊急度": c["urgency_label"],
                "状態": STATUS.get(c["status"], c["status"]),
                "経路": CHANNELS.get(c["channel"], c["channel"]),
                "受付": c["created_at"][:16].replace("T", " "),
                "内容（個人情報は伏せ字）": c["summary"],
            }
            for c in cases
        ]  # fmt: skip
    )
    st.dataframe(table, hide_index=True, use_container_width=True)
    number = st.selectbox("開く相談", [c["number"] for c in cases])
    if number:
        try:
            show_case(client().get(f"/v1/inbox/{number}"))
        except ApiError as error:
            show_error(error)
