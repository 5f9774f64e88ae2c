"""A scripted OpenAI-compatible chat server for tests: stdlib http.server in a thread on 127.0.0.1.

Replies are queued per test (`server.reply(...)`), every request body is recorded, and a reply can be
told to sleep past the client's timeout. `stream: true` requests get SSE chunks like OpenAI's.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ReplyText = str | Callable[[dict[str, Any]], str]
_SOURCE = re.compile(r'^\[(\d+)\] [^\n]*\n"""\n(.*?)\n"""', re.MULTILINE | re.DOTALL)


@dataclass
class Reply:
    """One scripted reply: its text (or a function of the request body), a delay and an HTTP status."""

    text: ReplyText
    delay: float = 0.0
    status: int = 200
    chunk_chars: int = 6  # characters per SSE chunk when streaming


class ScriptedLLMServer:
    """Serves POST /v1/chat/completions from a queue of scripted replies and records every request."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []  # parsed JSON bodies, in arrival order
        self.raw: list[str] = []  # the bodies exactly as received (for "never sent" checks)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # a handler still sleeping past a timeout must not block close
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT (append /v1 for an OpenAI client's base URL)."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def reply(self, text: ReplyText, *, delay: float = 0.0, status: int = 200) -> None:
        """Queue the next reply."""
        with self._lock:
            self.replies.append(Reply(text, delay, status))

    def next_reply(self) -> Reply | None:
        """Take the next queued reply (None when the script has run out)."""
        with self._lock:
            return self.replies.popleft() if self.replies else None

    def record(self, raw: str) -> dict[str, Any]:
        """Remember a request body."""
        body: dict[str, Any] = json.loads(raw)
        with self._lock:
            self.raw.append(raw)
            self.requests.append(body)
        return body

    def start(self) -> ScriptedLLMServer:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler_for(server: ScriptedLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            body = server.record(raw)
            reply = server.next_reply()
            if reply is None:
                self._json(500, {"error": {"message": "the test scripted no reply for this request"}})
                return
            if reply.delay:
                time.sleep(reply.delay)
            if reply.status != 200:
                self._json(reply.status, {"error": {"message": "scripted failure"}})
                return
            text = reply.text(body) if callable(reply.text) else reply.text
            try:
                if body.get("stream"):
                    self._stream(text, body, reply.chunk_chars)
                else:
                    self._json(200, _completion(text, body))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing to do

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, text: str, body: dict[str, Any], size: int) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for chunk in _chunks(text, body, size):
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


def _completion(text: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "test"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunks(text: str, body: dict[str, Any], size: int) -> Iterator[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-scripted",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": body.get("model", "test"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    yield chunk({"role": "assistant", "content": ""})
    for i in range(0, len(text), size):
        yield chunk({"content": text[i : i + size]})
    yield chunk({}, "stop")


@contextmanager
def running() -> Iterator[ScriptedLLMServer]:
    """A started server, closed afterwards."""
    server = ScriptedLLMServer().start()
    try:
        yield server
    finally:
        server.close()


def prompt_text(body: dict[str, Any]) -> str:
    """All message contents of a recorded request, joined."""
    return "\n".join(str(m.get("content", "")) for m in body.get("messages", []))


def sources(body: dict[str, Any]) -> dict[int, str]:
    """The numbered source texts ([n] → quoted text) in a rendered answer prompt."""
    return {int(n): text for n, text in _SOURCE.findall(prompt_text(body))}


def source_with(body: dict[str, Any], needle: str) -> int:
    """The number of the first source whose text contains `needle` (the reply can then cite it)."""
    for n, text in sorted(sources(body).items()):
        if needle in text:
            return n
    raise AssertionError(f"no source in the prompt contains {needle!r}")
