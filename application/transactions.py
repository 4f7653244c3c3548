"""Re-run a write use case whose transaction failed for a reason that may pass."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from domain.errors import DomainError, SlugTaken, TransientStorageError

P = ParamSpec("P")
R = TypeVar("R")

TRANSIENT_ATTEMPTS = 3

logger = logging.getLogger("conduit.transactions")


def retry(
    *, transient: int = TRANSIENT_ATTEMPTS, slug_races: int = 1
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Call the use case again, whole, while it fails for a reason that may pass:

    - up to `transient` attempts while it raises TransientStorageError: PostgreSQL rolled the
      transaction back (a serialization failure or a deadlock), so nothing of it was
      written and running it again cannot write twice;
    - up to `slug_races` attempts while it raises SlugTaken: a concurrent writer took the
      slug this attempt chose, and the next attempt sees it taken.

    Each attempt is the whole use case, so a fresh transaction. Any other error, and the
    last failure of each kind, propagates.
    """
    attempts: dict[type[DomainError], int] = {
        TransientStorageError: transient,
        SlugTaken: slug_races,
    }
    if min(attempts.values()) < 1:
        raise ValueError("attempts must be at least 1")

    def decorate(use_case: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        @functools.wraps(use_case)
        async def with_retries(*args: P.args, **kwargs: P.kwargs) -> R:
            failures = dict.fromkeys(attempts, 0)
            while True:
                try:
                    return await use_case(*args, **kwargs)
                except (TransientStorageError, SlugTaken) as error:
                    kind = next(k for k in attempts if isinstance(error, k))
                    failures[kind] += 1
                    if failures[kind] >= attempts[kind]:
                        raise
                    logger.info(
                        "retrying %s after %s (%d/%d): %s",
                        use_case.__qualname__,
                        kind.__name__,
                        failures[kind],
                        attempts[kind],
                        error,
                    )

        return with_retries

    return decorate
