"""Domain errors: plain exceptions that know nothing of HTTP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """Base of every error the domain and the use cases raise on purpose."""


class ValidationFailed(DomainError):
    """One or more input fields are invalid; every failing field is reported."""

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors = {field: list(messages) for field, messages in errors.items()}
        super().__init__(self.errors)


class CannotFollowYourself(ValidationFailed):
    """Following is between two users: the contract is silent, we answer 422."""

    def __init__(self) -> None:
        super().__init__({"profile": ["cannot follow yourself"]})


class Conflict(DomainError):
    """A unique value is already taken; `fields` names every taken field."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)
        super().__init__(self.fields)


class UsernameTaken(Conflict):
    def __init__(self) -> None:
        super().__init__(("username",))


class EmailTaken(Conflict):
    def __init__(self) -> None:
        super().__init__(("email",))


class SlugTaken(DomainError):
    """Another article got the slug first (a race); the use case picks another."""


class InvalidCredentials(DomainError):
    """Unknown email or wrong password; deliberately indistinguishable."""


class AuthenticationRequired(DomainError):
    """The request carries no token but needs one."""


class InvalidToken(DomainError):
    """The token is malformed, tampered with, or names no user."""


class ExpiredToken(InvalidToken):
    """The token was valid once but has expired."""


class UnknownUser(InvalidToken):
    """A well-signed token whose user no longer exists (deleted since it was issued)."""


class NotFound(DomainError):
    """Base for a missing resource; `resource` is the RealWorld error key."""

    resource = "resource"


class ProfileNotFound(NotFound):
    resource = "profile"


class ArticleNotFound(NotFound):
    resource = "article"


class CommentNotFound(NotFound):
    resource = "comment"


class Forbidden(DomainError):
    """The viewer is not allowed to change this resource."""

    resource = "resource"


class NotArticleAuthor(Forbidden):
    resource = "article"


class NotCommentAuthor(Forbidden):
    resource = "comment"


class TransientStorageError(DomainError):
    """The storage refused a transaction for a reason that may pass (serialization)."""


class StorageUnavailable(DomainError):
    """The storage is down, unreachable, overloaded or too slow; nothing was written.

    Raised by the adapters in place of their driver's errors, which stay as the cause."""
