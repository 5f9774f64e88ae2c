"""JSON errors with a code and a Japanese message, and the handlers that turn every failure into one."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kodomo_ai.errors import EngineError, InputError, KodomoError

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a Japanese message, and the input field when there is one."""

    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    """Every error response: {"error": {...}}."""

    error: ErrorDetail


class ApiError(Exception):
    """An error answered with `status` and a JSON body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        *,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after


_STATUS_TEXT = {
    400: ("bad_request", "リクエストが正しくありません"),
    401: ("unauthorized", "APIキーが必要です"),
    403: ("forbidden", "この操作を行う権限がありません"),
    404: ("not_found", "指定されたものが見つかりません"),
    405: ("method_not_allowed", "このメソッドは使えません"),
    406: ("not_acceptable", "この形式では応答できません"),
    413: ("too_large", "リクエストが大きすぎます"),
    415: ("unsupported_media_type", "この形式のデータは受け付けられません"),
    422: ("invalid_input", "入力が正しくありません"),
    429: ("rate_limited", "リクエストが多すぎます。しばらく待ってからもう一度お試しください"),
    500: ("internal_error", "サーバー内部でエラーが発生しました"),
    503: ("unavailable", "サービスの準備ができていません"),
}
_ERROR_CODES = {401, 403, 404, 413, 422, 429}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": _STATUS_TEXT[status][1]} for status in sorted(_ERROR_CODES)
}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:  # fmt: skip
    """A JSON error response."""
    body = ErrorBody(error=ErrorDetail(code=code, message=message, field=field))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def _validation_message(error: dict[str, Any]) -> tuple[str, str]:
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
    field = ".".join(loc) or "body"
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        reason = "必須の項目がありません"
    elif kind in ("string_too_long", "too_long"):
        reason = f"長すぎます（上限 {ctx.get('max_length', '?')}）"
    elif kind in ("string_too_short", "too_short"):
        reason = "短すぎます（空にはできません）"
    elif kind.startswith("literal") or kind == "enum":
        reason = f"使える値ではありません（{ctx.get('expected', '')}）"
    elif kind == "json_invalid":
        reason = "JSON として読めません"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        reason = "範囲外の値です"
    elif kind == "extra_forbidden":
        reason = "知らない項目です"
    else:
        reason = "形式が正しくありません"
    return field, f"入力が正しくありません: {field}（{reason}）"


def install_error_handlers(app: FastAPI) -> None:
    """Make every failure a JSON error with a Japanese message."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if exc.status == 429:
            headers = {"Retry-After": str(exc.retry_after or 60)}
        return error_response(exc.status, exc.code, exc.message, exc.field, headers)

    @app.exception_handler(InputError)
    async def _input_error(_request: Request, exc: InputError) -> JSONResponse:
        return error_response(422, "invalid_input", f"入力が正しくありません: {exc.reason}", exc.field)

    @app.exception_handler(EngineError)
    async def _engine_error(_request: Request, exc: EngineError) -> JSONResponse:
        log.warning("engine error: %s", exc)
        return error_response(
            502, "engine_error", "回答エンジンが応答しませんでした。時間をおいてお試しください"
        )

    @app.exception_handler(KodomoError)
    async def _kodomo_error(_request: Request, exc: KodomoError) -> JSONResponse:
        return error_response(422, "invalid_input", f"処理できませんでした: {exc}")

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        field, message = (
            _validation_message(dict(errors[0])) if errors else ("body", "入力が正しくありません")
        )
        return error_response(422, "invalid_input", message, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _STATUS_TEXT.get(exc.status_code, ("http_error", "リクエストを処理できませんでした"))
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", _STATUS_TEXT[500][1])


class BodyLimitMiddleware:
    """Refuse bodies over the limit (413) and JSON that is not UTF-8 (400) before a handler sees them.

    The body is read here in full (up to the limit): a limit hit while a handler reads a chunked body would
    surface as a generic parse error instead of a 413. Uploads get their own limit.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_bytes: int, upload_path: str) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.upload_path = upload_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check Content-Length, read the body up to the limit, check its encoding, then replay it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_bytes if scope["path"].startswith(self.upload_path) else self.max_bytes
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await error_response(413, "too_large", _too_large(limit))(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away before sending everything
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
            if len(body) > limit:
                await error_response(413, "too_large", _too_large(limit))(scope, receive, send)
                return
        problem = _encoding_problem(headers.get(b"content-type", b""), bytes(body))
        if problem:
            await error_response(400, "invalid_encoding", problem, "body")(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()  # after the body: wait for the disconnect as usual

        await self.app(scope, replay, send)


def _encoding_problem(content_type: bytes, body: bytes) -> str | None:
    """A Japanese message when a JSON or text body is not valid UTF-8, else None."""
    kind = content_type.split(b";")[0].strip().lower()
    if not body or not (kind.endswith(b"json") or kind.startswith(b"text/")):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"本文を UTF-8 として読めません（{exc.start + 1}バイト目）。文字コードを UTF-8 にして送ってください"
    return None


def _too_large(limit: int) -> str:
    size = f"{limit / 2**20:.0f}MB" if limit >= 2**20 else f"{limit // 1024}KB"
    return f"リクエストが大きすぎます（上限 {size}）"
