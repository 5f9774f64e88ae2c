"""A recording OpenAI-compatible server on 127.0.0.1: it keeps every request and answers harmlessly.

The PII cases point the `openai` engine at it to see exactly what would leave the machine.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

# No figures (a grounding check has nothing to reject) and one source marker, so engines accept it as cited.
FIXED_REPLY = "資料の内容にもとづいてお答えします[1]。詳しくはお住まいの市区町村の窓口にご確認ください。"


class _Handler(BaseHTTPRequestHandler):
    server: _RecordingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Stay silent; requests are recorded, not printed."""

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """Answer the model listing some clients ask for first."""
        if self.path.rstrip("/").endswith("/models"):
            self._send_json(200, {"object": "list", "data": [{"id": "probe", "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        """Record the request body and reply with the fixed answer (streamed when asked)."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        try:
            body: Any = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            body = {"raw": raw}
        self.server.record(self.path, body)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": "only chat completions are served"}})
            return
        model = body.get("model", "probe") if isinstance(body, dict) else "probe"
        created = int(time.time())
        if isinstance(body, dict) and body.get("stream"):
            self._stream(model, created)
            return
        self._send_json(
            200,
            {
                "id": "chatcmpl-probe",
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": FIXED_REPLY},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            },
        )

    def _stream(self, model: str, created: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        deltas = [{"role": "assistant", "content": ""}, {"content": FIXED_REPLY}]
        for i, delta in enumerate(deltas + [{}]):
            chunk = {
                "id": "chatcmpl-probe",
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [
                    {"index": 0, "delta": delta, "finish_reason": "stop" if i == len(deltas) else None}
                ],
            }
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


class _RecordingHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []

    def record(self, path: str, body: Any) -> None:
        """Keep one request."""
        with self.lock:
            self.requests.append({"path": path, "body": body})


class RecordingServer:
    """Context manager running the recording server in a thread; `base_url` ends in /v1."""

    def __init__(self) -> None:
        self._server = _RecordingHTTPServer()
        self._thread = threading.Thread(target=self._server.serve_forever, name="eval-probe", daemon=True)

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL to give the engine."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every recorded request (path and parsed body), oldest first."""
        with self._server.lock:
            return list(self._server.requests)

    def prompts(self) -> list[str]:
        """Return the text of every message sent, one string per request."""
        texts: list[str] = []
        for request in self.requests:
            body = request["body"]
            messages = body.get("messages", []) if isinstance(body, dict) else []
            parts = []
            for message in messages:
                content = message.get("content", "") if isinstance(message, dict) else ""
                if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
                    content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
                parts.append(str(content))
            texts.append("\n".join(parts) if parts else json.dumps(body, ensure_ascii=False))
        return texts

    def clear(self) -> None:
        """Forget the recorded requests."""
        with self._server.lock:
            self._server.requests.clear()

    def start(self) -> RecordingServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> RecordingServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
