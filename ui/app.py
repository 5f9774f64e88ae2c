"""kodomo-ai web UI: parent chat by default, then pages for caseworkers, evaluators and admins."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

st.set_page_config(page_title="kodomo-ai 子育て相談", page_icon=":material/child_care:", layout="wide")

pages = {
    "相談": [
        st.Page(str(HERE / "pages" / "chat.py"), title="保護者の相談", icon=":material/chat:", default=True)
    ],
    "職員": [
        st.Page(str(HERE / "pages" / "caseworker.py"), title="自治体職員", icon=":material/account_balance:")
    ],
}
# The drafting and training pages arrive with their own issue; list them once their files exist.
optional = [("drafting.py", "起案", ":material/edit_note:"), ("training.py", "研修資料", ":material/school:")]
for filename, title, icon in optional:
    if (HERE / "pages" / filename).is_file():
        pages["職員"].append(st.Page(str(HERE / "pages" / filename), title=title, icon=icon))
pages["管理"] = [
    st.Page(str(HERE / "pages" / "evaluator.py"), title="評価", icon=":material/bar_chart:"),
    st.Page(str(HERE / "pages" / "admin.py"), title="管理者", icon=":material/admin_panel_settings:"),
]

with st.sidebar:
    st.caption("職員・評価・管理のページではAPIキーを入力してください。")
    st.text_input("APIキー", type="password", key="api_key")

st.navigation(pages).run()
