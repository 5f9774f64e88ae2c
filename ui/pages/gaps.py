"""Knowledge-gap report: what the service could not answer well, by topic; draft, review and publish cards."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from client import ApiError
from common import client, need_key, show_error

KINDS = {"abstain": "回答できず", "low_confidence": "カードなしの回答", "thumbs_down": "よくなかった"}
TRENDS = {"new": "新しい", "up": "増加", "down": "減少", "flat": "横ばい"}
TOKYO = ZoneInfo("Asia/Tokyo")
STATUS = {"draft": "下書き", "approved": "承認済み", "live": "公開中", "rejected": "却下"}


def show_topics(report: dict[str, Any]) -> None:
    """Totals, the topic table with a daily chart, and a draft button per topic."""
    kinds = "、".join(f"{KINDS.get(k, k)} {v}件" for k, v in report["kinds"].items())
    st.metric("対象の質問", f"{report['total']} 件", help=kinds)
    st.caption(kinds)
    topics = report["topics"]
    if not topics:
        st.info("この期間に回答できなかった質問はありません。")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "件数": t["count"],
                    "傾向": TRENDS.get(t["trend"], t["trend"]),
                    "前の期間": t["previous"],
                    "話題（代表的な質問）": t["label"],
                    "キーワード": "・".join(t["keywords"]),
                    "内訳": "、".join(f"{KINDS.get(k, k)}{v}" for k, v in t["kinds"].items()),
                }
                for t in topics[:20]
            ]
        ),  # fmt: skip
        hide_index=True,
        use_container_width=True,
    )
    daily = pd.DataFrame({t["label"][:18]: t["daily"] for t in topics[:5]}).fillna(0).sort_index()
    if not daily.empty:
        st.caption("上位5つの話題の日ごとの件数")
        st.bar_chart(daily)
    for n, topic in enumerate(topics[:10]):
        with st.expander(f"{topic['count']}件　{topic['label']}"):
            for example in topic["examples"]:
                st.markdown(f"- {example}")
            if st.button("この話題のカードを下書きする", key=f"draft-{n}"):
                try:
                    client().post(
                        "/v1/gaps/drafts", {"question": topic["label"], "examples": topic["examples"]}
                    )
                    st.success("下書きを作りました（下の「カードの下書きと確認」で編集・承認できます）")
                except ApiError as error:
                    show_error(error)


def show_drafts() -> None:
    """Drafts with edit, approve, publish and reject."""
    drafts = client().get("/v1/gaps/drafts")
    if not drafts:
        st.caption("下書きはまだありません。")
        return
    for draft in drafts:
        card = draft["card"]
        with st.expander(f"{STATUS.get(draft['status'], draft['status'])}　{card.get('question', '')}"):
            with st.form(f"edit-{draft['id']}"):
                question = st.text_input("質問", card.get("question", ""))
                answer = st.text_area(
                    "回答（最初の文で要点に答える。数字は引用文にあるものだけ）", card.get("answer", "")
                )
                paraphrases = st.text_area("言い換え（1行に1つ）", "\n".join(card.get("paraphrases", [])))
                st.markdown("**出典**")
                for c in card.get("citations", []):
                    st.caption(f"{c['doc_id']}：{c['quote']}")
                saved = st.form_submit_button("保存", disabled=draft["status"] in ("live", "rejected"))
            if saved:
                body = {
                    "question": question,
                    "answer": answer,
                    "paraphrases": [p for p in paraphrases.splitlines() if p.strip()],
                }
                _call("patch", f"/v1/gaps/drafts/{draft['id']}", body)
            approve, publish, reject = st.columns(3)
            if approve.button(
                "承認（書いた人以外）", key=f"a-{draft['id']}", disabled=draft["status"] != "draft"
            ):
                _call("post", f"/v1/gaps/drafts/{draft['id']}/approve", {})
            if publish.button(
                "公開", key=f"p-{draft['id']}", type="primary", disabled=draft["status"] != "approved"
            ):
                _call("post", f"/v1/gaps/drafts/{draft['id']}/publish", {})
            if reject.button(
                "却下", key=f"r-{draft['id']}", disabled=draft["status"] in ("live", "rejected")
            ):
                _call("post", f"/v1/gaps/drafts/{draft['id']}/reject", {})


def _call(method: str, path: str, body: dict[str, Any]) -> None:
    """Send one review step and show the page again (or the API's message)."""
    response = getattr(client().http, method)(path, json=body)
    if response.status_code >= 400:
        st.error(response.json().get("error", {}).get("message", "エラーが発生しました"))
        return
    st.rerun()


st.title("回答できなかった質問（知識のすき間）")
st.caption(
    "回答できなかった質問、カードなしで答えた質問、「よくなかった」と評価された回答の質問を、意味の近いものごとにまとめています（個人情報は伏せ字）。話題からカードを下書きし、別の職員の承認を経て公開すると、次の質問からすぐ使われます。"
)
if need_key():
    today = dt.datetime.now(TOKYO).date()  # the report's days are the office's (Japan) days
    start, end = st.columns(2)
    since = start.date_input("開始日", today - dt.timedelta(days=6))
    until = end.date_input("終了日", today)
    try:
        show_topics(client().get("/v1/gaps/report", since=since.isoformat(), until=until.isoformat()))
        st.subheader("カードの下書きと確認")
        show_drafts()
    except ApiError as error:
        show_error(error)
