"""LLM-judged ragas metrics through LangChain's ChatOpenAI, against a scripted judge on 127.0.0.1.

The judge server is a fake at the network boundary: it reads which JSON schema ragas asks for and
replies with a fixed valid object, so the wiring (wrapper, prompts, parsing, scoring) is exercised.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from kodomo_ai.evals.judge import Judge, JudgeConfig

# Top-level schema title in a ragas prompt: ... "title": "NLIStatementOutput", "type": "object"}Do not use ...
_TITLE = re.compile(r'"title": "(\w+)", "type": "object"\}Do not use')
REPLIES: dict[str, Any] = {
    "StatementGeneratorOutput": {"statements": ["3歳から5歳の保育料は無料です。"]},
    "NLIStatementOutput": {
        "statements": [{"statement": "3歳から5歳の保育料は無料です。", "reason": "資料にある", "verdict": 1}]
    },
    "Verification": {"reason": "答えに使われている", "verdict": 1},
    "ResponseRelevanceOutput": {"question": "3歳の保育料は無料ですか", "noncommittal": 0},
}


class _JudgeHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        titles = _TITLE.findall(prompt)
        reply = REPLIES.get(titles[0] if titles else "", {"text": "{}"})
        payload = {
            "id": "judge",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "judge"),
            "choices": [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": json.dumps(reply, ensure_ascii=False)},
                    "finish_reason": "stop",
                }
                for i in range(int(body.get("n") or 1))
            ],
        }
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def judge_url() -> Iterator[str]:
    """A scripted OpenAI-compatible judge."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _JudgeHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


class _Embedder:
    """Word-length vectors: deterministic, enough for ragas' cosine similarity."""

    def embed_batch(self, texts: list[str], *, kind: str = "passage") -> np.ndarray:
        return np.asarray([[len(t), 1.0, 0.5] for t in texts], dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_batch([text])[0]


def test_judged_metrics_score_through_the_wrapped_chat_model(judge_url: str) -> None:
    judge = Judge(JudgeConfig(base_url=judge_url, model="judge", timeout_s=20, embedder=_Embedder()))
    scores, notes = judge.score(
        "3歳の保育料は無料？", "3歳から5歳の保育料は無料です。", ["3〜5歳の保育料は無料です。"]
    )
    assert notes == []
    assert scores["faithfulness"] == pytest.approx(1.0)
    assert scores["llm_context_precision"] == pytest.approx(1.0, abs=1e-6)
    assert scores["answer_relevancy"] is not None and 0.0 < scores["answer_relevancy"] <= 1.0


def test_judge_failures_become_notes() -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on: every call is refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    judge = Judge(JudgeConfig(base_url=f"http://127.0.0.1:{port}/v1", model="judge", timeout_s=5))
    scores, notes = judge.score("q", "a", ["c"])
    assert scores == {"faithfulness": None, "answer_relevancy": None, "llm_context_precision": None}
    assert any("answer_relevancy" in n and "省略" in n for n in notes)
    assert any("faithfulness" in n for n in notes)
