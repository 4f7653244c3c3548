"""The statuses every operation can return, beyond those its router declares.

The routers document their use case's answers (401, 403, 404, 409, 422). Other answers
come from around them: the body limit (413), the JSON parser (400), the rate limit
(429), the server's header limit (431), the request deadline and the database (503), a
NUL in the URL (422), a bug (500). A client generated from `/api/openapi.json` should know
all of them, with the error body they carry.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI

ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}

EVERY_OPERATION: dict[str, str] = {
    "413": "Request body too large (`MAX_BODY_BYTES`)",
    "422": "Invalid input; every failing field is listed",
    "431": "Request headers too large (`MAX_HEADER_BYTES`)",
    "500": "Unexpected error, logged with its request id",
    "503": "Database unavailable, or no answer within `REQUEST_TIMEOUT_SECONDS`",
}
WITH_A_BODY = {"400": "The body is not JSON text in UTF-8"}
RATE_LIMITED = {"429": "Too many login or registration attempts from this client"}
_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def document_every_answer(app: FastAPI, rate_limited: Collection[tuple[str, str]]) -> None:
    """Complete `app`'s OpenAPI document; `rate_limited` holds (method, path) pairs."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _complete(build(), rate_limited)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _complete(document: dict[str, Any], rate_limited: Collection[tuple[str, str]]) -> None:
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            statuses = dict(EVERY_OPERATION)
            if "requestBody" in operation:
                statuses |= WITH_A_BODY
            if (method, path) in rate_limited:
                statuses |= RATE_LIMITED
            responses = operation.setdefault("responses", {})
            for status, description in statuses.items():
                if _is_fastapis_validation_error(responses.get(status)):
                    del responses[status]  # its shape is not ours: errors are ErrorResponse
                response = responses.setdefault(
                    status, {"description": description, "content": ERROR_BODY}
                )
                if status in ("429", "503"):
                    response["headers"] = RETRY_AFTER
    schemas = document.get("components", {}).get("schemas", {})
    for name in _VALIDATION_SCHEMAS:
        schemas.pop(name, None)


def _is_fastapis_validation_error(response: dict[str, Any] | None) -> bool:
    if response is None:
        return False
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))
