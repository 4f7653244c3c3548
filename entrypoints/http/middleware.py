"""Pure ASGI middleware (no BaseHTTPMiddleware): a few dict operations per request."""

from __future__ import annotations

import contextlib
import logging
import re
import time
import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.metrics import Metrics

access_log = logging.getLogger("conduit.access")

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]
# /docs loads Swagger UI's script and styles; it gets a policy that allows them.
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:"
)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            # Accept the caller's id only when it is safe to echo and to log.
            if _REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Request id, security headers, one access-log line and metrics per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        if "\x00" in scope["path"] or b"%00" in scope["query_string"]:
            # No stored value can contain NUL, and PostgreSQL cannot even compare with one.
            await send_json(
                send,
                422,
                {"errors": {"request": ["must not contain NUL characters"]}},
                [(b"x-request-id", request_id.encode())],
            )
            return
        started = time.perf_counter()
        status = 500
        is_docs = scope["path"] in ("/docs", "/docs/oauth2-redirect")

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((b"x-request-id", request_id.encode()))
                for name, value in SECURITY_HEADERS:
                    if is_docs and name == b"content-security-policy":
                        value = DOCS_CSP
                    headers.append((name, value))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            self.metrics.observe(scope["method"], route, status, elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s",
                    scope["method"],
                    route,
                    status,
                    extra={
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "request_id": request_id,
                    },
                )


class BodySizeLimitMiddleware:
    """413 with a JSON error for bodies over the limit, declared or streamed.

    A streamed body (chunked, without Content-Length) is refused here the moment it
    crosses the limit, with the same 413 as a declared one; whatever the app answers to the
    interrupted read afterwards (FastAPI makes it a 400) is dropped.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > self.max_bytes:
                    await _too_large(send, self.max_bytes)
                    return
                break
        received = 0
        responded = refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if not responded:
                        refused = True
                        await _too_large(send, self.max_bytes)
                    raise _BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal responded
            if refused:
                return
            if message["type"] == "http.response.start":
                responded = True
            await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, limited_receive, tracking_send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    await send_json(send, 413, {"errors": {"body": [f"is too large (maximum is {limit} bytes)"]}})


async def send_json(
    send: Send, status: int, content: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = orjson.dumps(content)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
