"""Helpers shared by the pages: the API client from the session's key, and error display."""

from __future__ import annotations

import html
from typing import Any

import streamlit as st
from client import ApiError, Client


def client() -> Client:
    """A client with the key typed in the sidebar (none for parents)."""
    return Client(api_key=st.session_state.get("api_key") or None)


def show_error(error: ApiError) -> None:
    """Show an API error's Japanese message."""
    where = f"（{error.field}）" if error.field else ""
    st.error(f"{error.message}{where}")


def need_key() -> bool:
    """Stop the page with a hint when no key is set."""
    if not st.session_state.get("api_key"):
        st.info(
            "このページを使うには、左のサイドバーにAPIキーを入力してください（`kodomo-ai keys create --role ...`）。"
        )
        return False
    return True


def highlight(text: str, quote: str) -> str:
    """HTML of `text` with `quote` marked (escaped)."""
    escaped = html.escape(text)
    if quote and quote in text:
        escaped = escaped.replace(html.escape(quote), f"<mark>{html.escape(quote)}</mark>", 1)
    elif quote:
        escaped = f"<mark>{html.escape(quote)}</mark><br><br>" + escaped
    return escaped.replace("\n", "<br>")


def render_citations(answer: dict[str, Any]) -> None:
    """Citations under an answer: expandable, the quote highlighted in its passage, with a source link."""
    citations = answer.get("citations") or []
    if not citations:
        return
    passages = {p["chunk_id"]: p for p in answer.get("passages") or []}
    st.markdown("**出典**")
    for n, cite in enumerate(citations, 1):
        with st.expander(f"[{n}] {cite['title']}"):
            passage = passages.get(cite["chunk_id"])
            if passage and passage.get("heading"):
                st.caption(passage["heading"])
            body = passage["text"] if passage else cite["quote"]
            st.markdown(highlight(body, cite["quote"]), unsafe_allow_html=True)
            st.markdown(f"[出典を開く]({cite['source']})")


def render_escalation(answer: dict[str, Any]) -> None:
    """The banner with tap-to-call numbers."""
    escalation = answer.get("escalation")
    if not escalation:
        return
    lines = [f"**{escalation['reason']}**"]
    for contact in escalation.get("contacts", []):
        number = contact["number"]
        tel = "".join(ch for ch in number if ch.isdigit() or ch in "#*")
        note = f"（{contact['note']}）" if contact.get("note") else ""
        lines.append(f"- ☎ [{contact['name']}: {number}](tel:{tel}){note}")
    box = st.error if answer.get("mode") == "escalate" else st.warning
    box("\n".join(lines))
