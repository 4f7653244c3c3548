"""The one table from domain errors to HTTP statuses and RealWorld error bodies."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from domain.errors import (
    AuthenticationRequired,
    Conflict,
    DomainError,
    ExpiredToken,
    Forbidden,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    SlugTaken,
    StorageUnavailable,
    TransientStorageError,
    ValidationFailed,
)
from entrypoints.http.presenters import JSON

logger = logging.getLogger("conduit.errors")

Body = dict[str, list[str]]

NOT_PARSED: Body = {"body": ["could not be parsed"]}
"""A body that is not JSON text in UTF-8: always a 400 (see routing.JsonBodyRoute)."""

# Most specific first: the first class the error is an instance of decides.
DOMAIN_ERRORS: list[tuple[type[DomainError], int, Callable[[Any], Body]]] = [
    (AuthenticationRequired, 401, lambda e: {"token": ["is missing"]}),
    (ExpiredToken, 401, lambda e: {"token": ["has expired"]}),
    (InvalidToken, 401, lambda e: {"token": ["is invalid"]}),
    (InvalidCredentials, 401, lambda e: {"credentials": ["invalid"]}),
    (NotFound, 404, lambda e: {e.resource: ["not found"]}),
    (Forbidden, 403, lambda e: {e.resource: ["forbidden"]}),
    (Conflict, 409, lambda e: {field: ["has already been taken"] for field in e.fields}),
    (SlugTaken, 409, lambda e: {"slug": ["has already been taken, try again"]}),
    (ValidationFailed, 422, lambda e: e.errors),
    (TransientStorageError, 503, lambda e: {"database": ["is busy, try again"]}),
    (StorageUnavailable, 503, lambda e: {"database": ["is unavailable, try again"]}),
]


def error_response(status: int, errors: Body, headers: Mapping[str, str] | None = None) -> Response:
    return JSON({"errors": errors}, status_code=status, headers=headers)


def _domain_error(request: Request, error: Exception) -> Response:
    metrics = getattr(request.app.state, "metrics", None)
    if isinstance(error, StorageUnavailable):
        # An outage rather than a use case's answer: logged, not counted among those.
        logger.warning(
            "database unavailable: %s",
            type(error.__cause__ or error).__name__,
            extra={"request_id": _request_id(request), "route": request.url.path},
        )
    elif metrics is not None:
        metrics.use_case_errors.labels(type(error).__name__).inc()
    for kind, status, body in DOMAIN_ERRORS:
        if isinstance(error, kind):
            headers = {"Retry-After": "1"} if status == 503 else None
            return error_response(status, body(error), headers)
    return _unexpected(request, error)


def _request_id(request: Request) -> str | None:
    request_id: str | None = request.scope.get("state", {}).get("request_id")
    return request_id


def _unexpected(request: Request, error: Exception) -> Response:
    logger.error(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        exc_info=(type(error), error, error.__traceback__),
        extra={"request_id": _request_id(request)},
    )
    return error_response(500, {"server": ["internal error"]})


_MESSAGES = {
    "missing": "can't be blank",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "int_parsing": "must be an integer",
    "bool_parsing": "must be true or false",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "greater_than_equal": "is too small",
    "less_than_equal": "is too large",
}


def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if any(item.get("type") == "json_invalid" for item in error.errors()):
        return error_response(400, NOT_PARSED)
    errors: Body = {}
    for item in error.errors():
        loc = [str(part) for part in item.get("loc", ()) if not isinstance(part, int)]
        key = loc[-1] if len(loc) > 1 else (loc[0] if loc else "body")
        message = _MESSAGES.get(item.get("type", ""), str(item.get("msg", "is invalid")))
        messages = errors.setdefault(key, [])
        if message not in messages:
            messages.append(message)
    return error_response(422, errors)


def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400:
        return error_response(400, NOT_PARSED, headers=error.headers)
    messages = {404: ("route", "not found"), 405: ("method", "not allowed")}
    key, message = messages.get(error.status_code, ("request", str(error.detail).lower()))
    return error_response(error.status_code, {key: [message]}, headers=error.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
