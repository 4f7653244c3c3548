"""PostgreSQL errors as domain errors: constraint violations by constraint name, and the
failures that may pass (a refused transaction, an unreachable database)."""

from __future__ import annotations

import asyncio

from asyncpg.exceptions import (
    CannotConnectNowError,
    ConnectionDoesNotExistError,
    InternalClientError,
    OperatorInterventionError,
    PostgresConnectionError,
    QueryCanceledError,
)
from asyncpg.exceptions import InterfaceError as DriverInterfaceError
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from domain.errors import (
    ArticleNotFound,
    DomainError,
    EmailTaken,
    ProfileNotFound,
    SlugTaken,
    StorageUnavailable,
    TransientStorageError,
    UnknownUser,
    UsernameTaken,
)

CONSTRAINT_VIOLATIONS: dict[str, type[DomainError]] = {
    "uq_users_username": UsernameTaken,
    "uq_users_username_lower": UsernameTaken,
    "uq_users_email_lower": EmailTaken,
    "uq_users_email": EmailTaken,  # before migration 0011
    "uq_articles_slug": SlugTaken,
    # The writer's own row is gone: only a token can name a user that does not exist.
    "fk_articles_author_id_users": UnknownUser,
    "fk_comments_author_id_users": UnknownUser,
    "fk_favorites_user_id_users": UnknownUser,
    "fk_follows_follower_id_users": UnknownUser,
    # Deleted by someone else between our read and our write.
    "fk_follows_followee_id_users": ProfileNotFound,
    "fk_comments_article_id_articles": ArticleNotFound,
    "fk_favorites_article_id_articles": ArticleNotFound,
}

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
"""serialization_failure and deadlock_detected: the same transaction may succeed again."""


def constraint_name(error: IntegrityError) -> str | None:
    cause = error.orig.__cause__ if error.orig is not None else None
    name = getattr(cause, "constraint_name", None)
    return name if isinstance(name, str) else None


def domain_error(error: IntegrityError) -> DomainError | None:
    mapped = CONSTRAINT_VIOLATIONS.get(constraint_name(error) or "")
    return mapped() if mapped is not None else None


def sqlstate(error: DBAPIError) -> str | None:
    cause = error.orig.__cause__ if error.orig is not None else None
    code = getattr(cause, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code if isinstance(code, str) else None


_UNAVAILABLE_CAUSES = (
    OSError,
    asyncio.TimeoutError,
    PostgresConnectionError,
    CannotConnectNowError,
    ConnectionDoesNotExistError,
    QueryCanceledError,
    OperatorInterventionError,
    DriverInterfaceError,
    # Client-side: a connection whose protocol state broke, or no host of a multi-host URL
    # is the writable primary (TargetServerAttributeNotMatched, during a failover).
    InternalClientError,
)


def is_unavailable(error: BaseException) -> bool:
    """The database is down, unreachable, overloaded or too slow: not a bug."""
    if isinstance(error, PoolTimeoutError | InterfaceError | OperationalError):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        cause = error.orig.__cause__ if error.orig is not None else None
        return isinstance(cause, _UNAVAILABLE_CAUSES)
    return isinstance(error, _UNAVAILABLE_CAUSES)


def passing_failure(error: BaseException | None) -> DomainError | None:
    """The domain error for a failure that may pass, else None (a bug, or not ours).

    TransientStorageError when PostgreSQL aborted the transaction as a serialization failure
    or a deadlock (running it again may succeed); StorageUnavailable when the database is
    down, unreachable, overloaded or too slow."""
    if isinstance(error, DBAPIError) and (code := sqlstate(error)) in RETRYABLE_SQLSTATES:
        return TransientStorageError(f"SQLSTATE {code}")
    if error is not None and is_unavailable(error):
        return StorageUnavailable(type(error).__name__)
    return None
