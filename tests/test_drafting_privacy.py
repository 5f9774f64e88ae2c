"""No planted name, address or マイナンバー reaches the engine: the openai engine against a local test server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kodomo_ai.drafting import draft_notice
from kodomo_ai.engines.openai_compat import OpenAIEngine
from kodomo_ai.retrieval import Retriever
from kodomo_ai.safety.pii import mynumber_check_digit
from kodomo_ai.training import build_training

ROOT = Path(__file__).resolve().parents[1]
FIRST11 = "12345678901"
MYNUMBER = FIRST11 + str(mynumber_check_digit(FIRST11))
PLANTED = {"guardian_name": "鈴木一郎", "child_name": "鈴木ひかり", "address": "みどり市北町3丁目4番5号",
           "mynumber": MYNUMBER}  # fmt: skip


class FakeChatServer(ThreadingHTTPServer):
    """An OpenAI-compatible /v1/chat/completions that records bodies and replies from a script."""

    def __init__(self, replies: list[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies = replies
        self.bodies: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    server: FakeChatServer

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
        self.server.bodies.append(body)
        reply = self.server.replies[min(len(self.server.bodies), len(self.server.replies)) - 1]
        payload = json.dumps({
            "id": "x", "object": "chat.completion", "created": 0, "model": "test",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        """Keep test output quiet."""


def serve(replies: list[str]) -> Iterator[FakeChatServer]:
    server = FakeChatServer(replies)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def engine_for(server: FakeChatServer) -> OpenAIEngine:
    host, port = server.server_address[:2]
    return OpenAIEngine(base_url=f"http://{host}:{port}/v1", model="test", api_key=None, timeout=10,
                        prompts_dir=ROOT / "prompts")  # fmt: skip


@pytest.fixture(scope="module")
def retriever(corpus_kb: Any) -> Retriever:
    return Retriever(corpus_kb)


@pytest.fixture
def good_server() -> Iterator[FakeChatServer]:
    yield from serve(["〔児童名〕さんの保育所等の利用申込みについて、利用調整を行いましたが、入所先は決まりませんでした。"
                      "二次申込みで希望する施設を追加・変更できます。[1]"])  # fmt: skip


@pytest.fixture
def bad_server() -> Iterator[FakeChatServer]:
    yield from serve(["保育料は月99,999円です。[1]"])


def test_personal_fields_never_reach_the_engine(good_server: FakeChatServer, retriever: Retriever) -> None:
    from test_drafting import CASES

    fields = {**CASES["riyou-horyu"], **PLANTED}
    result = draft_notice("riyou-horyu", fields, retriever=retriever, engine=engine_for(good_server),
                          prompts_dir=ROOT / "prompts")  # fmt: skip
    assert good_server.bodies, "the engine was called"
    sent = "\n".join(json.loads(b)["messages"][i]["content"] for b in good_server.bodies for i in range(2))
    for value in (*PLANTED.values(), "鈴木", MYNUMBER[:4] + MYNUMBER[4:8]):
        assert value not in sent and value not in "".join(good_server.bodies)
    assert "〔児童名〕" in sent
    assert result.engine == "openai"
    assert "鈴木ひかりさんの保育所等の利用申込み" in result.filled and "〔児童名〕さん" in result.markdown
    assert "みどり市北町3丁目4番5号" in result.filled and "鈴木一郎 様" in result.filled


def test_ungrounded_llm_draft_falls_back_to_extractive(
    bad_server: FakeChatServer, retriever: Retriever
) -> None:
    from test_drafting import CASES

    result = draft_notice("faq", {**CASES["faq"], "question": "鈴木一郎さんの子の入所が保留になったらどうなりますか"},
                          retriever=retriever, engine=engine_for(bad_server), prompts_dir=ROOT / "prompts")  # fmt: skip
    assert len(bad_server.bodies) == 2, "one regeneration, then the fallback"
    assert "鈴木一郎" not in "".join(bad_server.bodies)
    assert result.engine == "extractive" and result.notes
    assert "99,999" not in result.markdown


def test_training_points_from_llm_are_grounded(retriever: Retriever) -> None:
    lines = "\n".join(f"{i}. 午睡中は呼吸と体の向きを確かめます。" for i in range(1, 12))
    for server in serve([lines.replace("1. 午睡中", "1. 0歳児は3分ごとに午睡中")]):
        material = build_training("suimin", retriever=retriever, engine=engine_for(server),
                                  prompts_dir=ROOT / "prompts")  # fmt: skip
        assert material.engine == "openai"
        # Point 1 carried a number its section does not have, so it kept the extractive sentence.
        assert "3分" not in material.key_points[0].point
        assert material.key_points[1].point == "午睡中は呼吸と体の向きを確かめます。"
        assert len(server.bodies) == 2
