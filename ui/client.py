"""A small HTTP client of the kodomo-ai API (the UI uses nothing else)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from typing import Any

import httpx

DEFAULT_API_URL = "http://127.0.0.1:8000"
BROWSER_HEADER = "X-Browser-Id"
SIGNATURE_HEADER = "X-Browser-Signature"


class ApiError(Exception):
    """An error answered by the API, with its Japanese message."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def api_url() -> str:
    """The API address from KODOMO_API_URL."""
    return os.environ.get("KODOMO_API_URL", DEFAULT_API_URL).rstrip("/")


def session_browser_id() -> str | None:
    """A random id kept for this Streamlit session (None outside Streamlit), used when the page gives none."""
    try:
        import streamlit as st
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return None
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    browser_id: str = st.session_state.setdefault("kodomo_browser_id", secrets.token_urlsafe(24))
    return browser_id


class Client:
    """Calls the API with an optional key (staff pages)."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 120.0,
        browser_id: str | None = None,
    ) -> None:
        self.base_url = (base_url or api_url()).rstrip("/")
        headers = {"X-API-Key": api_key} if api_key else {}
        browser_id = browser_id or session_browser_id()
        if browser_id:
            # One random id per browser: the API keeps that browser's conversations under it.
            headers[BROWSER_HEADER] = browser_id
            secret = os.environ.get("KODOMO_UI_SECRET")
            if secret:
                # Signed, so the API gives each browser its own rate limit (all of them reach it from one address).
                headers[SIGNATURE_HEADER] = hmac.new(
                    secret.encode("utf-8"), browser_id.encode("utf-8"), hashlib.sha256
                ).hexdigest()
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def _check(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "http_error", "message": f"APIエラー（{response.status_code}）"}
            raise ApiError(
                response.status_code, error.get("code", ""), error.get("message", ""), error.get("field")
            )
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        """GET a JSON resource."""
        return self._check(self.http.get(path, params={k: v for k, v in params.items() if v is not None}))

    def post(self, path: str, body: Any) -> Any:
        """POST JSON and return the JSON answer."""
        return self._check(self.http.post(path, json=body))

    def delete(self, path: str) -> Any:
        """DELETE a resource."""
        return self._check(self.http.delete(path))

    # -- consultation -------------------------------------------------------------------------------
    def consult(self, question: str, **options: Any) -> dict[str, Any]:
        """Ask and wait for the whole answer."""
        result: dict[str, Any] = self.post("/v1/consult", {"question": question, **options})
        return result

    def consult_stream(self, question: str, **options: Any) -> Iterator[dict[str, Any]]:
        """Ask with streaming: yields {"type": "delta", "text"} … then {"type": "final", "answer"}."""
        body = {"question": question, **options, "stream": True}
        with self.http.stream("POST", "/v1/consult", json=body) as response:
            if response.status_code >= 400:
                response.read()
                self._check(response)
            event = ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:].strip()
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                    if event == "delta":
                        yield {"type": "delta", "text": data["text"]}
                    elif event == "final":
                        yield {"type": "final", "answer": data}
                    elif event == "error":
                        raise ApiError(500, data["error"]["code"], data["error"]["message"])

    def feedback(self, answer_id: str, rating: str, comment: str = "") -> Any:
        """Thumbs up or down on an answer."""
        return self.post("/v1/feedback", {"answer_id": answer_id, "rating": rating, "comment": comment})

    def conversations(self) -> Any:
        """This browser's saved conversations, most recent first."""
        return self.get("/v1/conversations")

    def conversation(self, conversation_id: str) -> Any:
        """One saved conversation with its turns."""
        return self.get(f"/v1/conversations/{conversation_id}")

    def save_turn(self, answer: dict[str, Any], **shown: Any) -> None:
        """Save an answered turn in this browser's list, as the page showed it."""
        body = {k: answer.get(k) for k in ("answer", "citations", "passages", "escalation")} | shown
        path = f"/v1/conversations/{answer['conversation_id']}/turns/{answer['answer_id']}"
        response = self.http.put(path, json=body)
        if response.status_code >= 400:
            self._check(response)

    def my_case(self, number: str, conversation_id: str) -> Any:
        """The parent's hand-off case on this conversation, with the caseworker's replies."""
        return self.get(f"/v1/handoff/mine/{number}", conversation_id=conversation_id)

    def delete_conversation(self, conversation_id: str) -> Any:
        """Delete one of this browser's conversations."""
        return self.delete(f"/v1/conversations/{conversation_id}")

    def limits(self) -> dict[str, Any]:
        """Upload size, question length and how long conversations are kept."""
        result: dict[str, Any] = self.get("/v1/limits")
        return result

    def search(self, query: str, k: int = 5, **filters: Any) -> Any:
        """Hybrid search."""
        return self.post("/v1/search", {"query": query, "k": k, **filters})

    # -- staff --------------------------------------------------------------------------------------
    def whoami(self) -> dict[str, Any]:
        """The role of the current key."""
        result: dict[str, Any] = self.get("/v1/whoami")
        return result

    def rules(self) -> Any:
        """The calculators with example inputs."""
        return self.get("/v1/calc")

    def calc(self, rule: str, data: dict[str, Any]) -> Any:
        """Run a calculator."""
        return self.post(f"/v1/calc/{rule}", data)

    def flows(self) -> Any:
        """The standard processes."""
        return self.get("/v1/flows")

    def flow(self, name: str) -> Any:
        """One process with its Mermaid diagram."""
        return self.get(f"/v1/flows/{name}")

    def suites(self) -> Any:
        """Evaluation suites."""
        return self.get("/v1/evals/suites")

    def start_run(self, suites: list[str], engine: str) -> Any:
        """Start an eval run."""
        return self.post("/v1/evals/runs", {"suites": suites, "engine": engine})

    def runs(self) -> Any:
        """Recent eval runs."""
        return self.get("/v1/evals/runs")

    def run(self, run_id: str) -> Any:
        """One eval run."""
        return self.get(f"/v1/evals/runs/{run_id}")

    def compare(self, before: str, after: str) -> Any:
        """Compare two eval runs."""
        return self.get("/v1/evals/compare", before=before, after=after)

    def documents(self, stale_only: bool = False) -> Any:
        """Indexed documents with staleness."""
        return self.get("/v1/documents", stale_only=stale_only)

    def upload(self, name: str, content: bytes) -> Any:
        """Upload and ingest a document."""
        return self._check(self.http.post("/v1/documents", files={"file": (name, content)}))

    def retire(self, doc_id: str) -> Any:
        """Retire a document."""
        return self.delete(f"/v1/documents/{doc_id}")

    def keys(self) -> Any:
        """API keys."""
        return self.get("/v1/keys")

    def create_key(self, role: str, name: str) -> Any:
        """Create an API key."""
        return self.post("/v1/keys", {"role": role, "name": name})

    def feedback_items(self, rating: str = "down", status: str = "open") -> Any:
        """Feedback for review, with the question, answer and sources."""
        return self.get("/v1/feedback", rating=rating, status=status)

    def review_feedback(self, feedback_id: str, handled: bool, note: str = "") -> Any:
        """Mark a feedback item handled (or open again)."""
        return self._check(
            self.http.patch(f"/v1/feedback/{feedback_id}", json={"handled": handled, "note": note})
        )

    def audit(self, since: str | None = None, limit: int = 200) -> Any:
        """Audit log entries."""
        return self.get("/v1/audit", since=since, limit=limit)
