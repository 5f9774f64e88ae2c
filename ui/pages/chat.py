"""Parent chat: streamed answers with a typing indicator, the safety box first, clickable sources, saved history."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st
from client import ApiError
from common import (
    answer_markdown,
    client,
    render_answer_text,
    render_citations,
    render_escalation,
    service_limits,
    show_error,
)

EXAMPLES = [
    "出生届はいつまでに出せばいいですか",
    "3歳になったら保育料は無料になりますか",
    "児童手当はいつ振り込まれますか",
    "一時預かりはどんなときに使えますか",
]
# The answer's language: the API takes `language` (ja / en) and `plain` (やさしい日本語).
LANGUAGES = {
    "日本語": {"language": "ja", "plain": False},
    "やさしい日本語": {"language": "ja", "plain": True},
    "English": {"language": "en", "plain": False},
}
TYPING = """<div class="kodomo-typing" role="status"><span></span><span></span><span></span>
回答を作成しています…</div>
<style>
.kodomo-typing { color: #555; }
.kodomo-typing span { display: inline-block; width: .5em; height: .5em; margin-right: .25em; border-radius: 50%;
  background: #888; animation: kodomo-blink 1.4s infinite both; }
.kodomo-typing span:nth-child(2) { animation-delay: .2s; }
.kodomo-typing span:nth-child(3) { animation-delay: .4s; }
@keyframes kodomo-blink { 0%, 80%, 100% { opacity: .2; } 40% { opacity: 1; } }
</style>"""

# A saved turn keeps the receipt's text, not the answer's notes: after a reload the number is read from it.
CASE_NUMBER = re.compile(r"受付番号は?\s*(\d{6}-\d{4})")
TOKYO = ZoneInfo("Asia/Tokyo")

history: list[dict[str, Any]] = st.session_state.setdefault("chat", [])


def load_conversation(conversation_id: str) -> bool:
    """Fill the history from a saved conversation; False when it is gone."""
    try:
        saved = client().conversation(conversation_id)
    except ApiError:
        return False
    history.clear()
    for turn in saved["turns"]:
        answer = {**turn, "conversation_id": conversation_id}
        history.append({"role": "user", "content": turn["question"]})
        history.append({"role": "assistant", "content": turn["answer"], "answer": answer})
    st.session_state["conversation_id"] = conversation_id
    return True


def start_new() -> None:
    """Forget the conversation on screen (it stays saved)."""
    history.clear()
    st.session_state.pop("conversation_id", None)
    st.query_params.pop("c", None)


def open_saved(conversation_id: str) -> None:
    """Show a saved conversation and keep it in the address, so a reload shows it again."""
    if load_conversation(conversation_id):
        st.query_params["c"] = conversation_id


def delete_saved(conversation_id: str) -> None:
    """Delete a saved conversation (on the server too)."""
    try:
        client().delete_conversation(conversation_id)
    except ApiError as error:
        show_error(error)
        return
    if st.session_state.get("conversation_id") == conversation_id:
        start_new()
    st.toast("相談の記録を削除しました")


# A reload starts a new session: the conversation in the address comes back from the server.
wanted = st.query_params.get("c")
if wanted and not history and not load_conversation(wanted):
    st.query_params.pop("c", None)


def send_feedback(answer_id: str) -> None:
    """Send the thumbs chosen for one answer."""
    choice = st.session_state.get(f"fb_{answer_id}")
    if choice is None:
        return
    try:
        client().feedback(
            answer_id, "up" if choice == 1 else "down", st.session_state.get(f"fbc_{answer_id}", "")
        )
        st.toast("ご意見ありがとうございます")
    except ApiError as error:
        show_error(error)


def render_feedback(answer: dict[str, Any]) -> None:
    """The comment box and thumbs under an answer."""
    answer_id = answer.get("answer_id")
    if answer_id:
        st.text_input("ご意見（任意）", key=f"fbc_{answer_id}", placeholder="役に立ちましたか？")
        st.feedback("thumbs", key=f"fb_{answer_id}", on_change=send_feedback, args=(answer_id,))


def render_answer(answer: dict[str, Any]) -> None:
    """One answer: the safety box first, then the text, its sources and the feedback buttons."""
    render_escalation(answer)
    render_answer_text(answer)
    render_citations(answer)
    render_feedback(answer)


def case_number(turns: list[dict[str, Any]]) -> str | None:
    """The hand-off case opened in this conversation, latest first (None when there is none)."""
    for turn in reversed(turns):
        if turn["role"] != "assistant":
            continue
        for note in turn["answer"].get("notes") or []:
            if str(note).startswith("handoff_case:"):
                return str(note).split(":", 1)[1]
        found = CASE_NUMBER.search(turn.get("content") or "")
        if found:
            return found.group(1)
    return None


def local_time(moment: str) -> str:
    """An API time as Japan's local 「12月4日 9:05」."""
    try:
        at = dt.datetime.fromisoformat(moment).astimezone(TOKYO)
    except ValueError:
        return ""
    return f"{at.month}月{at.day}日 {at.hour}:{at.minute:02d}"


def render_case(number: str, conversation_id: str) -> None:
    """The caseworker's replies on this conversation's case, read again on each run and by the button."""
    try:
        case = client().my_case(number, conversation_id)
    except ApiError:
        return
    replies = [e for e in case["entries"] if e["kind"] == "reply"]
    with st.container(border=True, key="handoff_case"):
        st.markdown(f"**担当者への相談（受付番号 {number}）**")
        for entry in replies:
            with st.chat_message("assistant", avatar=":material/support_agent:"):
                st.caption(f"担当者からのお返事・{local_time(entry['at'])}")
                st.markdown(
                    answer_markdown({"answer": entry["text"], "citations": []}), unsafe_allow_html=True
                )
        if case["status"] == "closed":
            st.caption("この相談は終了しました。また困ったときは、いつでも質問してください。")
        elif not replies:
            st.caption("まだお返事はありません。担当者が読んでお返事すると、ここに表示されます。")
        st.button("返信を確認", icon=":material/refresh:", key="check_reply")


st.title("子育て・保育の相談")
st.caption("国や市の資料をもとに答えます。急ぎのとき・命にかかわるときは、すぐに119番へ電話してください。")
choice = st.radio("回答の言葉", list(LANGUAGES), horizontal=True, key="answer_language")
options = LANGUAGES[choice or "日本語"]

answers = st.container(key="answers")  # the page script marks it as an aria-live region
with answers:
    for turn in history:
        with st.chat_message(turn["role"]):
            if turn["role"] == "user":
                st.markdown(turn["content"])
            else:
                render_answer(turn["answer"])

picked = None
starters = st.empty()
if not history:
    with starters.container():
        st.markdown("**よくある質問から始める**")
        columns = st.columns(len(EXAMPLES))
        for column, example in zip(columns, EXAMPLES, strict=True):
            if column.button(example, width="stretch"):
                picked = example

question = st.chat_input("質問を入力してください（例: 出生届はいつまでに出せばいいですか）") or picked
if question:
    starters.empty()
    previous = [{"role": t["role"], "content": t["content"]} for t in history][-10:]
    conversation = st.session_state.get("conversation_id")
    with answers:
        with st.chat_message("user"):
            st.markdown(question)
        with st.chat_message("assistant"):
            banner = st.container()  # the safety box goes above the text even though it arrives last
            text = st.empty()
            text.markdown(TYPING, unsafe_allow_html=True)
            final: dict[str, Any] = {}
            streamed = ""
            try:
                for event in client().consult_stream(question, history=previous, **options,
                                                     **({"conversation_id": conversation} if conversation else {})):  # fmt: skip
                    if event["type"] == "delta":
                        streamed += event["text"]
                        text.markdown(streamed + " ▌")
                    else:
                        final.update(event["answer"])
            except ApiError as error:
                text.empty()
                show_error(error)
            if final:
                with banner:
                    render_escalation(final)
                with text.container():
                    render_answer_text(final)
                    if streamed and "".join(streamed.split()) != "".join(final["answer"].split()):
                        st.caption("確認のあと、回答を差し替えました。")
                render_citations(final)
                render_feedback(final)
                st.session_state["conversation_id"] = final.get("conversation_id")
                history.append({"role": "user", "content": question})
                history.append({"role": "assistant", "content": final["answer"], "answer": final})
                try:
                    client().save_turn(final, language=options["language"], plain=options["plain"])
                    st.query_params["c"] = final["conversation_id"]
                except ApiError as error:
                    st.caption(f"この相談は保存できませんでした（{error.message}）")

case = case_number(history)
if case and st.session_state.get("conversation_id"):
    render_case(case, st.session_state["conversation_id"])

# Written last so the list already has the conversation just answered (the sidebar's place is fixed).
with st.sidebar:
    st.subheader("これまでの相談")
    st.button("新しい相談をはじめる", icon=":material/add:", width="stretch", on_click=start_new)
    try:
        saved_list = client().conversations()
    except ApiError:
        saved_list = []
    days = service_limits().get("conversation_days")
    for item in saved_list[:20]:
        current = item["conversation_id"] == st.session_state.get("conversation_id")
        open_col, delete_col = st.columns([5, 1])
        open_col.button(("▶ " if current else "") + item["title"], key=f"open_{item['conversation_id']}",
                        help=f"{item['updated_at'][:16].replace('T', ' ')}・{item['turns']}件",
                        on_click=open_saved, args=(item["conversation_id"],), width="stretch")  # fmt: skip
        delete_col.button("", icon=":material/delete:", key=f"del_{item['conversation_id']}",
                          help="この相談の記録を削除します", on_click=delete_saved, args=(item["conversation_id"],))  # fmt: skip
    if days:
        st.caption(f"相談の記録はこのブラウザだけに表示され、{days}日たつと自動で削除されます。")
