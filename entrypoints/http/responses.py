"""OpenAPI documentation of error responses and security, shared by the routers."""

from __future__ import annotations

from typing import Any

from entrypoints.http.schemas import ErrorResponse

_DESCRIPTIONS = {
    401: "Missing, invalid or expired token (or invalid credentials on login)",
    403: "Not the author",
    404: "Not found",
    409: "Already taken",
    422: "Invalid input; every failing field is listed",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS[status]}
        for status in statuses
    }
