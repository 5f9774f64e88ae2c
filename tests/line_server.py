"""A fake LINE platform on 127.0.0.1: it signs webhook events like LINE does and records what the bot sends."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeLine:
    """Records POSTs to /v2/bot/message/{reply,push}; builds signed webhook bodies for a channel secret."""

    def __init__(self, channel_secret: str, token: str) -> None:
        self.secret = channel_secret
        self.token = token
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- the Messaging API side ------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL of the fake Messaging API."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Serve on a free port in a thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                authorised = self.headers.get("Authorization") == f"Bearer {fake.token}"
                with fake._lock:
                    fake.received.append({"path": self.path, "body": body, "authorised": authorised,
                                          "retry_key": self.headers.get("X-Line-Retry-Key")})  # fmt: skip
                status = 200 if authorised else 401
                payload = (
                    {"sentMessages": [{"id": uuid.uuid4().hex}]} if authorised else {"message": "bad token"}
                )
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def sent(self, kind: str) -> list[dict[str, Any]]:
        """Bodies received on /v2/bot/message/<kind> (reply or push), in order."""
        with self._lock:
            return [r["body"] for r in self.received if r["path"] == f"/v2/bot/message/{kind}"]

    def wait_for(self, kind: str, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Wait until `count` bodies arrived on `kind`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.sent(kind)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise TimeoutError(f"{kind}: {len(self.sent(kind))} of {count}")

    # -- the webhook side ------------------------------------------------------------------------
    def sign(self, body: bytes, secret: str | None = None) -> str:
        """X-Line-Signature: base64 HMAC-SHA256 of the body with the channel secret."""
        key = (secret or self.secret).encode()
        return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()

    @staticmethod
    def _event(kind: str, user_id: str, **extra: Any) -> dict[str, Any]:
        return {
            "type": kind, "mode": "active", "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": user_id}, "webhookEventId": uuid.uuid4().hex.upper()[:26],
            "deliveryContext": {"isRedelivery": False}, "replyToken": uuid.uuid4().hex, **extra,
        }  # fmt: skip

    def text_event(self, user_id: str, text: str) -> dict[str, Any]:
        """A user's text message."""
        message = {
            "id": str(uuid.uuid4().int)[:18],
            "type": "text",
            "text": text,
            "quoteToken": uuid.uuid4().hex,
        }
        return self._event("message", user_id, message=message)

    def postback_event(self, user_id: str, data: str) -> dict[str, Any]:
        """A user tapped a postback button."""
        return self._event("postback", user_id, postback={"data": data})

    def body(self, events: list[dict[str, Any]]) -> bytes:
        """A webhook body as LINE sends it."""
        return json.dumps({"destination": "U" + "0" * 32, "events": events}, ensure_ascii=False).encode()

    def deliver(self, client: Any, events: list[dict[str, Any]], *, path: str = "/v1/line/webhook",
                secret: str | None = None, signature: str | None = None) -> Any:  # fmt: skip
        """POST signed events to the bot through `client` (an httpx client or TestClient)."""
        body = self.body(events)
        headers = {"Content-Type": "application/json"}
        sig = signature if signature is not None else self.sign(body, secret)
        if sig:
            headers["X-Line-Signature"] = sig
        return client.post(path, content=body, headers=headers)


@contextmanager
def running(channel_secret: str, token: str) -> Iterator[FakeLine]:
    """A started fake LINE platform, stopped afterwards."""
    fake = FakeLine(channel_secret, token)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def small_app(data_dir: Any, kb: Any, **settings: Any) -> Any:
    """The API over an indexed knowledge base with these extra settings (real classifiers, tmp database)."""
    from conftest import MODELS

    from kodomo_ai.api import create_app
    from kodomo_ai.config import Settings

    return create_app(Settings(data_dir=data_dir, models_path=MODELS, **settings), knowledge_base=kb)


def index_test_corpus(path: Any, embedder: Any) -> Any:
    """The 5-document test corpus indexed into `path` (a few seconds)."""
    from conftest import TEST_CORPUS

    from kodomo_ai.index.knowledge_base import KnowledgeBase
    from kodomo_ai.ingest.pipeline import ingest_paths

    kb = KnowledgeBase.open(path, embedder, collection="people-test")
    report = ingest_paths(kb, [TEST_CORPUS])
    assert not report.errors, report.errors
    return kb
