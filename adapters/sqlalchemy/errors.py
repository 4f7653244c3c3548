"""Map PostgreSQL constraint violations to domain errors by constraint name."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

from domain.errors import DomainError, EmailTaken, SlugTaken, UsernameTaken

UNIQUE_VIOLATIONS: dict[str, type[DomainError]] = {
    "uq_users_username": UsernameTaken,
    "uq_users_email": EmailTaken,
    "uq_articles_slug": SlugTaken,
}

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
"""serialization_failure and deadlock_detected: the same transaction may succeed again."""


def constraint_name(error: IntegrityError) -> str | None:
    cause = error.orig.__cause__ if error.orig is not None else None
    name = getattr(cause, "constraint_name", None)
    return name if isinstance(name, str) else None


def domain_error(error: IntegrityError) -> DomainError | None:
    mapped = UNIQUE_VIOLATIONS.get(constraint_name(error) or "")
    return mapped() if mapped is not None else None


def sqlstate(error: DBAPIError) -> str | None:
    cause = error.orig.__cause__ if error.orig is not None else None
    code = getattr(cause, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code if isinstance(code, str) else None
