"""kodomo-ai web UI: parent chat by default, then pages for caseworkers, trainers, evaluators and admins."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from browser import page_setup, remembered_key  # noqa: E402 (needs the path above)
from common import service_limits  # noqa: E402

# A local icon: a Material or emoji icon makes the browser fetch the favicon from the internet.
st.set_page_config(page_title="kodomo-ai 子育て相談", page_icon=str(HERE / "icon.png"), layout="wide")

# (group, file, title, icon); a page another part of the project has not written yet is left out.
PAGES = [
    ("相談", "chat.py", "保護者の相談", ":material/chat:"),
    ("職員", "caseworker.py", "自治体職員", ":material/account_balance:"),
    ("職員", "flows.py", "業務フロー", ":material/account_tree:"),
    ("職員", "drafting.py", "起案", ":material/edit_note:"),
    ("職員", "training.py", "研修資料", ":material/school:"),
    ("職員", "inbox.py", "引き継ぎ", ":material/inbox:"),
    ("管理", "evaluator.py", "評価", ":material/bar_chart:"),
    ("管理", "feedback.py", "ご意見", ":material/thumb_down:"),
    ("管理", "gaps.py", "回答できなかった質問", ":material/help:"),
    ("管理", "admin.py", "管理者", ":material/admin_panel_settings:"),
]
pages: dict[str, list[st.Page]] = {}
for group, filename, title, icon in PAGES:
    path = HERE / "pages" / filename
    if path.is_file():
        pages.setdefault(group, []).append(
            st.Page(str(path), title=title, icon=icon, default=filename == "chat.py")
        )

# A reload starts a new session: the key entered earlier in this browser session comes back from its cookie.
if "api_key" not in st.session_state:
    st.session_state["api_key"] = remembered_key()


def forget_key() -> None:
    """Clear the key (the page script then deletes its cookie)."""
    st.session_state["api_key"] = ""


with st.sidebar:
    st.caption("職員・評価・管理のページではAPIキーを入力してください（このブラウザを閉じるまで覚えます）。")
    st.text_input("APIキー", type="password", key="api_key")
    if st.session_state.get("api_key"):
        st.button("キーを消す", on_click=forget_key, icon=":material/logout:")

page_setup(service_limits().get("conversation_days") or 30)
st.navigation(pages).run()
