"""Feedback review for admins: each thumbs-down with the question, the answer, its sources and the comment."""

from __future__ import annotations

from typing import Any

import streamlit as st
from client import ApiError
from common import client, need_key, render_answer_text, show_error

STATUSES = {"open": "未対応", "handled": "対応済み", "all": "すべて"}
AUDIENCES = {"parent": "保護者", "caseworker": "自治体職員", "trainer": "研修担当"}
MODES = {"answer": "回答", "abstain": "資料なし", "escalate": "緊急の案内", "refuse": "お断り"}
RATINGS = {"down": ":material/thumb_down: よくない", "up": ":material/thumb_up: よい", "all": "すべて"}


def review(item_id: str, handled: bool) -> None:
    """Mark one item handled (with the note typed for it) or open again."""
    try:
        client().review_feedback(item_id, handled, st.session_state.get(f"note_{item_id}", ""))
        st.toast("対応済みにしました" if handled else "未対応に戻しました")
    except ApiError as error:
        show_error(error)


def show_item(item: dict[str, Any]) -> None:
    """One feedback: the comment first, then what was asked and answered, and the sources."""
    when = item["created_at"][:16].replace("T", " ")
    thumb = ":material/thumb_down:" if item["rating"] == "down" else ":material/thumb_up:"
    question = item["question"] or "（会話は削除されました）"
    with st.container(border=True):
        st.markdown(f"{thumb} **{question[:80]}**")
        parts = [when, AUDIENCES.get(item.get("audience") or "", ""), MODES.get(item.get("mode") or "", ""),
                 item.get("engine") or ""]  # fmt: skip
        st.caption("・".join(p for p in parts if p))
        if item["comment"]:
            st.info(f"ご意見: {item['comment']}")
        if item["answer"]:
            with st.expander("回答と出典"):
                render_answer_text({"answer": item["answer"], "citations": item["sources"]})
                for n, source in enumerate(item["sources"], 1):
                    address = str(source.get("source") or "")
                    link = (
                        f"[{source.get('title', '')}]({address})"
                        if address.startswith("http")
                        else source.get("title", "")
                    )
                    st.markdown(f"[{n}] {link}（{source.get('doc_id', '')}）")
        if item["handled"]:
            note = f"：{item['note']}" if item["note"] else ""
            st.success(f"対応済み（{(item['handled_at'] or '')[:16].replace('T', ' ')}）{note}")
            st.button("未対応に戻す", key=f"reopen_{item['id']}", on_click=review, args=(item["id"], False))
        else:
            st.text_input(
                "対応メモ（任意）", key=f"note_{item['id']}", placeholder="例: カードの回答を直した"
            )
            st.button("対応済みにする", key=f"handle_{item['id']}", type="primary", on_click=review,
                      args=(item["id"], True))  # fmt: skip


st.title("ご意見")
st.caption(
    "保護者が「よくない」と答えた回答を、質問・回答・出典・コメントと一緒に確認します（管理者のキーが必要です）。"
)
if need_key():
    left, right = st.columns(2)
    status = left.segmented_control(
        "状態", list(STATUSES), format_func=STATUSES.get, default="open", key="fb_status"
    )
    rating = right.segmented_control(
        "評価", list(RATINGS), format_func=RATINGS.get, default="down", key="fb_rating"
    )
    try:
        items = client().feedback_items(rating=rating or "down", status=status or "open")
    except ApiError as error:
        show_error(error)
        items = []
    st.subheader(f"{STATUSES[status or 'open']}のご意見（{len(items)}件）")
    if not items:
        st.caption("該当するご意見はありません。")
    for item in items:
        show_item(item)
