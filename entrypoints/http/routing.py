"""Routes that parse their JSON bodies strictly: RFC 8259 text in UTF-8, or a 400."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from entrypoints.http.errors import NOT_PARSED, error_response


def is_json(content_type: str | None) -> bool:
    """The media types FastAPI parses as JSON: application/json and application/*+json."""
    if content_type is None:
        return False
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class JsonBodyRoute(APIRoute):
    """A route whose JSON body must be JSON text in UTF-8, or the answer is a 400.

    FastAPI's parser (json.loads) takes UTF-16 and UTF-32, NaN, and unpaired surrogates
    (`"\\ud800"`, which no UTF-8 can encode: they reached the password hasher and the
    driver as a 500). It answered invalid UTF-8 with a 400 and other syntax errors with a
    422. orjson refuses all of these, so every body that cannot be parsed gets one answer,
    400 `{"errors": {"body": ["could not be parsed"]}}`, before authentication or
    validation look at the request.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        if self.body_field is None:
            return handle

        async def strictly(request: Request) -> Response:
            if is_json(request.headers.get("content-type")):
                body = await request.body()
                if body:
                    try:
                        orjson.loads(body)
                    except orjson.JSONDecodeError:
                        return error_response(400, NOT_PARSED)
            return await handle(request)

        return strictly
