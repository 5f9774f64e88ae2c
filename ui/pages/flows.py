"""Standard process diagrams (業務フロー), drawn by the Mermaid renderer bundled in Streamlit: nothing is fetched."""

from __future__ import annotations

import streamlit as st
from client import ApiError
from common import client, need_key, show_error

st.title("業務フロー")
st.caption(
    "標準的な事務の流れを図で示します。図はこのサーバーの中で描くため、インターネットに接続していなくても表示されます。"
)
if need_key():
    try:
        flows = client().flows()
    except ApiError as error:
        show_error(error)
        flows = []
    if flows:
        titles = {f["name"]: f"{f['title']}（{f['steps']}手順）" for f in flows}
        chosen = st.selectbox("業務フロー", list(titles), format_func=lambda n: titles[n])
        try:
            flow = client().flow(chosen)
        except ApiError as error:
            show_error(error)
        else:
            for issue in flow["issues"]:
                st.warning(issue)
            st.mermaid_chart(flow["mermaid"], alt=f"{flow['title']}の流れ図")
            with st.expander("手順の説明"):
                st.text(flow["text"])
            with st.expander("Mermaid のコード"):
                st.code(flow["mermaid"], language="mermaid")
