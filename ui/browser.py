"""What the UI keeps in the browser: a random id (the key to saved conversations) and the staff key for the session."""

from __future__ import annotations

import json
import re
import secrets

import streamlit as st

BROWSER_COOKIE = "kodomo_browser"
KEY_COOKIE = "kodomo_staff_key"
BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
DEFAULT_DAYS = 30

# Runs in the page itself (st.html with JavaScript): Streamlit's page says lang="en" and has no way to mark a
# live region or write cookies from Python. The interval re-applies the attributes after React re-renders.
PAGE_SCRIPT = """
<script>
(function () {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  doc.documentElement.lang = "ja";
  const cookies = %(cookies)s;
  for (const c of cookies) {
    doc.cookie = c.name + "=" + encodeURIComponent(c.value) + "; path=/; SameSite=Strict" +
      (c.maxAge === null ? "" : "; max-age=" + c.maxAge);
  }
  if (window.__kodomoPage) { return; }
  window.__kodomoPage = true;
  function mark() {
    doc.documentElement.lang = "ja";
    const answers = doc.querySelector(".st-key-answers");
    if (answers && answers.getAttribute("aria-live") !== "polite") {
      answers.setAttribute("aria-live", "polite");
      answers.setAttribute("role", "log");
      answers.setAttribute("aria-label", "相談のやりとり");
    }
  }
  mark();
  setInterval(mark, 500);
  // A citation marker opens its entry in the list of sources below its answer.
  doc.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a.kodomo-cite");
    if (!link) { return; }
    event.preventDefault();
    const label = link.dataset.label;
    const scope = link.closest("[data-testid='stChatMessage']") || doc;
    for (const summary of scope.querySelectorAll("details summary")) {
      if (summary.textContent.includes(label)) {
        const details = summary.closest("details");
        if (!details.open) { summary.click(); }
        summary.scrollIntoView({behavior: "smooth", block: "center"});
        break;
      }
    }
  });
})();
</script>
"""


def browser_id() -> str:
    """This browser's id: from its cookie, else a new random one (written to the cookie by `page_setup`)."""
    if "browser_id" not in st.session_state:
        cookie = _cookie(BROWSER_COOKIE)
        st.session_state["browser_id"] = (
            cookie if cookie and BROWSER_ID.fullmatch(cookie) else secrets.token_urlsafe(24)
        )
    value: str = st.session_state["browser_id"]
    return value


def remembered_key() -> str:
    """The staff key this browser session entered before a reload (empty when none)."""
    return _cookie(KEY_COOKIE) or ""


def page_setup(days: int = DEFAULT_DAYS) -> None:
    """Set lang="ja", the answers' live region and the cookies (browser id for `days`, the key for the session)."""
    key = st.session_state.get("api_key") or ""
    cookies = [
        {"name": BROWSER_COOKIE, "value": browser_id(), "maxAge": max(1, days) * 86400},
        # No max-age: the browser forgets the key when it closes; an empty key deletes the cookie.
        {"name": KEY_COOKIE, "value": key, "maxAge": None if key else 0},
    ]
    # "<" is escaped so nothing typed into the key box can close the script element.
    script = PAGE_SCRIPT % {"cookies": json.dumps(cookies).replace("<", "\\u003c")}
    with st.container(key="page_setup", height=1, border=False):
        st.html(script, unsafe_allow_javascript=True)


def _cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except Exception:  # no browser behind this run (AppTest, bare mode)
        return None
    return str(value) if value else None
