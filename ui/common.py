"""Helpers shared by the pages: the API client from the session's key, and error display."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import streamlit as st
from browser import browser_id
from client import ApiError, Client

CITE_MARK = re.compile(r"\[(\d{1,2})\]")
# Lines that start a list item in answers: bullets, numbers, circled numbers.
LIST_ITEM = re.compile(r"^\s*(?:[-*]\s+|[・•●◦]\s*|\d{1,2}(?:[.．]\s+|[)）]\s*)|(?P<circled>[①-⑳])\s*)")


def client() -> Client:
    """A client with the key typed in the sidebar (none for parents) and this browser's id."""
    return Client(api_key=st.session_state.get("api_key") or None, browser_id=browser_id())


@st.cache_data(ttl=300, show_spinner=False)
def service_limits() -> dict[str, Any]:
    """The API's limits (upload size, kept days), read every few minutes; empty when the API is down."""
    try:
        return Client().limits()
    except (ApiError, httpx.HTTPError):
        return {}


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


def answer_markdown(answer: dict[str, Any]) -> str:
    """The answer as Markdown: list lines as lists, line breaks kept, each [n] a link to its source entry."""
    citations = answer.get("citations") or []
    lines = (answer.get("answer") or "").splitlines()
    out: list[str] = []
    in_list = False
    for line in lines:
        match = LIST_ITEM.match(line)
        if match:
            marker = match.group(0).strip()
            item = _escape_markdown(line[match.end() :].strip())
            if not in_list and out and out[-1] != "":
                out.append("")  # a list only starts after a blank line in Markdown
            if marker[:1].isdigit():
                out.append(f"{marker.rstrip('.)．）')}. {item}")
            else:
                out.append(f"- {match.group('circled') or ''}{' ' if match.group('circled') else ''}{item}")
            in_list = True
        elif not line.strip():
            out.append("")
            in_list = False
        else:
            if in_list:
                out.append("")
                in_list = False
            out.append(_escape_markdown(line) + "  ")  # two spaces: keep the line break
    text = "\n".join(out).strip()
    return CITE_MARK.sub(lambda m: _cite_link(m, citations), text)


def _escape_markdown(line: str) -> str:
    # The page renders HTML (for the citation links), so the answer's own "<" and "&" are escaped; a leading
    # "#" is text, not a heading.
    return re.sub(r"^(\s*)#", r"\1\\#", html.escape(line, quote=False))


def _cite_link(match: re.Match[str], citations: list[dict[str, Any]]) -> str:
    # The marker opens its entry under the answer (the quote highlighted in its passage, with the web address):
    # that works offline too, where a link straight to a ministry page would not.
    n = int(match.group(1))
    if not 1 <= n <= len(citations):
        return match.group(0)
    title = html.escape(str(citations[n - 1].get("title", "")), quote=True)
    return f'<a class="kodomo-cite" href="#sources" data-label="[{n}]" title="出典: {title}">[{n}]</a>'


def render_answer_text(answer: dict[str, Any]) -> None:
    """The answer text with lists and clickable citation markers."""
    st.markdown(answer_markdown(answer), unsafe_allow_html=True)


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
            source = str(cite.get("source") or "")
            if source.startswith(("http://", "https://")):
                st.markdown(f"[出典を開く]({source})")
            elif source:
                st.caption(f"出典: {source}")


def render_escalation(answer: dict[str, Any]) -> None:
    """The banner with tap-to-call numbers."""
    escalation = answer.get("escalation")
    if not escalation:
        return
    lines = [f"**{escalation['reason']}**"]
    for contact in escalation.get("contacts", []):
        number = contact.get("number") or ""
        tel = "".join(ch for ch in number if ch.isdigit() or ch in "#*")
        note = f"（{contact['note']}）" if contact.get("note") else ""
        # A contact without a number is named, never shown as an empty phone link.
        lines.append(
            f"- ☎ [{contact['name']}: {number}](tel:{tel}){note}" if tel else f"- {contact['name']}{note}"
        )
    box = st.error if answer.get("mode") == "escalate" else st.warning
    box("\n".join(lines))
