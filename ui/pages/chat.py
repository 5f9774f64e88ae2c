"""Parent chat: streaming answers with citations, escalation banner, やさしい日本語, feedback, examples."""

from __future__ import annotations

from typing import Any

import streamlit as st
from client import ApiError
from common import client, render_citations, render_escalation, show_error

EXAMPLES = [
    "出生届はいつまでに出せばいいですか",
    "3歳になったら保育料は無料になりますか",
    "児童手当はいつ振り込まれますか",
    "一時預かりはどんなときに使えますか",
]

st.title("子育て・保育の相談")
st.caption("国や市の資料をもとに答えます。急ぎのとき・命にかかわるときは、すぐに119番へ電話してください。")
plain = st.toggle("やさしい日本語で答える", key="plain")
history: list[dict[str, Any]] = st.session_state.setdefault("chat", [])


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


def render_answer(answer: dict[str, Any], *, text: bool = True) -> None:
    """One answer with its banner, citations and feedback buttons."""
    render_escalation(answer)
    if text:
        st.markdown(answer["answer"])
    render_citations(answer)
    answer_id = answer.get("answer_id")
    if answer_id:
        st.text_input("ご意見（任意）", key=f"fbc_{answer_id}", placeholder="役に立ちましたか？")
        st.feedback("thumbs", key=f"fb_{answer_id}", on_change=send_feedback, args=(answer_id,))


for turn in history:
    with st.chat_message(turn["role"]):
        if turn["role"] == "user":
            st.markdown(turn["content"])
        else:
            render_answer(turn["answer"])

picked = None
if not history:
    st.markdown("**よくある質問から始める**")
    columns = st.columns(len(EXAMPLES))
    for column, example in zip(columns, EXAMPLES, strict=True):
        if column.button(example, use_container_width=True):
            picked = example

question = st.chat_input("質問を入力してください（例: 出生届はいつまでに出せばいいですか）") or picked
if question:
    with st.chat_message("user"):
        st.markdown(question)
    previous = [{"role": t["role"], "content": t["content"]} for t in history][-10:]
    conversation = st.session_state.get("conversation_id")
    with st.chat_message("assistant"):
        final: dict[str, Any] = {}

        def deltas() -> Any:
            for event in client().consult_stream(question, plain=plain, history=previous,
                                                 **({"conversation_id": conversation} if conversation else {})):  # fmt: skip
                if event["type"] == "delta":
                    yield event["text"]
                else:
                    final.update(event["answer"])

        try:
            streamed = st.write_stream(deltas())
        except ApiError as error:
            show_error(error)
        else:
            if final:
                if "".join(str(streamed).split()) != "".join(final["answer"].split()):
                    st.info("確認済みの回答に置き換えました")
                    st.markdown(final["answer"])
                st.session_state["conversation_id"] = final.get("conversation_id")
                render_answer(final, text=False)
                history.append({"role": "user", "content": question})
                history.append({"role": "assistant", "content": final["answer"], "answer": final})
