"""Re-run a write use case whose transaction the storage refused for a passing reason."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from domain.errors import TransientStorageError

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_ATTEMPTS = 3

logger = logging.getLogger("conduit.transactions")


def retry_transient(
    attempts: int = DEFAULT_ATTEMPTS,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Call the use case up to `attempts` times while it raises TransientStorageError.

    Each attempt is the whole use case, so a fresh transaction: the unit of work raises
    TransientStorageError only when PostgreSQL has rolled the failed one back (a
    serialization failure or a deadlock), so nothing of it was written and re-running
    cannot write twice. The last failure propagates.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")

    def decorate(use_case: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        @functools.wraps(use_case)
        async def with_retries(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(1, attempts):
                try:
                    return await use_case(*args, **kwargs)
                except TransientStorageError as error:
                    logger.info(
                        "retrying %s after a transient storage error (%d/%d): %s",
                        use_case.__qualname__,
                        attempt,
                        attempts,
                        error,
                    )
            return await use_case(*args, **kwargs)

        return with_retries

    return decorate
