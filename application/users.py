"""Use cases of users and authentication."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar

from application.acting_user import acting_user
from application.transactions import retry
from domain.errors import Conflict, InvalidCredentials, InvalidToken
from domain.model import NewUser, User, UserId
from domain.ports import PasswordHasher, TokenIssuer, UnitOfWork, UserRepository
from domain.values import (
    BIO_MAX,
    BLANK,
    PASSWORD_MIN_ON_UPDATE,
    Email,
    FieldErrors,
    InvalidValue,
    Parsed,
    Password,
    Username,
    image_url,
    optional_text,
    text,
)
from domain.views import UserView

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Registration:
    username: str | None
    email: str | None
    password: str | None


@dataclass(frozen=True, slots=True)
class Credentials:
    email: str | None
    password: str | None


@dataclass(frozen=True, slots=True)
class UserChanges:
    """PUT /user is partial: only the fields named in `sent` change."""

    email: str | None = None
    username: str | None = None
    password: str | None = None
    bio: str | None = None
    image: str | None = None
    sent: frozenset[str] = frozenset()


def _user_view(user: User, tokens: TokenIssuer) -> UserView:
    return UserView(
        email=user.email,
        token=tokens.issue(user.id),
        username=user.username,
        bio=user.bio,
        image=user.image,
    )


async def _check_unique(
    users: UserRepository, user_id: UserId | None, username: str | None, email: str | None
) -> None:
    """Report every taken field at once; the unique constraints still guard races."""
    taken: list[str] = []
    if username is not None:
        owner = await users.get_by_username_any_case(username)
        if owner is not None and owner.id != user_id:
            taken.append("username")
    if email is not None:
        owner = await users.get_by_email(email)
        if owner is not None and owner.id != user_id:
            taken.append("email")
    if taken:
        raise Conflict(taken)


class RegisterUser:
    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenIssuer) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens

    @retry()
    async def __call__(self, data: Registration) -> UserView:
        errors = FieldErrors()
        username = errors.parse("username", lambda: Username.parse(data.username).value)
        email = errors.parse("email", lambda: Email.parse(data.email).value)
        password = errors.parse("password", lambda: Password.parse(data.password))
        errors.raise_if_any()
        # Hash before the transaction so no connection waits on argon2.
        password_hash = await self._hasher.hash(password.value.value)
        async with self._uow as uow:
            await _check_unique(uow.users, None, username.value, email.value)
            user = await uow.users.add(NewUser(username.value, email.value, password_hash))
            await uow.commit()
        return _user_view(user, self._tokens)


class LogIn:
    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenIssuer) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens

    async def __call__(self, credentials: Credentials) -> UserView:
        errors = FieldErrors()
        email, password = credentials.email or "", credentials.password or ""
        if not email.strip():
            errors.add("email", BLANK)
        if not password.strip():
            errors.add("password", BLANK)
        else:
            errors.parse("password", lambda: text(password))  # the hasher reads it next
        errors.raise_if_any()
        user = None
        if (address := _valid_email(email)) is not None:
            async with self._uow as uow:
                user = await uow.users.get_by_email(address)
        # An unknown email still pays for a hash check, so timing does not reveal accounts.
        valid = await self._hasher.verify(user.password_hash if user else None, password)
        if user is None or not valid:
            raise InvalidCredentials()
        return _user_view(user, self._tokens)


def _valid_email(raw: str) -> str | None:
    """A malformed address cannot belong to an account: no need to look it up."""
    try:
        return Email.parse(raw).value
    except InvalidValue:
        return None


class GetCurrentUser:
    def __init__(self, uow: UnitOfWork, tokens: TokenIssuer) -> None:
        self._uow = uow
        self._tokens = tokens

    async def __call__(self, user_id: UserId) -> UserView:
        async with self._uow as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise InvalidToken()
        return _user_view(user, self._tokens)


class UpdateUser:
    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenIssuer) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens

    @retry()
    @acting_user
    async def __call__(self, user_id: UserId, changes: UserChanges) -> UserView:
        valid = _validate(changes)
        # Hash before the transaction so no connection waits on argon2.
        password_hash = (
            await self._hasher.hash(valid.password.value) if valid.password is not None else None
        )
        async with self._uow as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise InvalidToken()
            await _check_unique(uow.users, user.id, valid.username, valid.email)
            changed = replace(
                user,
                username=valid.username or user.username,
                email=valid.email or user.email,
                password_hash=password_hash or user.password_hash,
                bio=valid.bio if "bio" in changes.sent else user.bio,
                image=valid.image if "image" in changes.sent else user.image,
            )
            user = await uow.users.update(changed)
            await uow.commit()
        return _user_view(user, self._tokens)


@dataclass(frozen=True, slots=True)
class _ValidChanges:
    username: str | None
    email: str | None
    password: Password | None
    bio: str | None
    image: str | None


def _validate(changes: UserChanges) -> _ValidChanges:
    """Parse the sent fields; a field that was not sent stays None."""
    errors = FieldErrors()
    sent = changes.sent
    username: Parsed[str] | None = None
    email: Parsed[str] | None = None
    password: Parsed[Password] | None = None
    bio: Parsed[str | None] | None = None
    image: Parsed[str | None] | None = None
    if "username" in sent:
        username = errors.parse("username", lambda: Username.parse(changes.username).value)
    if "email" in sent:
        email = errors.parse("email", lambda: Email.parse(changes.email).value)
    if "password" in sent:
        password = errors.parse(
            "password",
            lambda: Password.parse(changes.password, min_length=PASSWORD_MIN_ON_UPDATE),
        )
    if "bio" in sent:
        bio = errors.parse("bio", lambda: optional_text(changes.bio, max_length=BIO_MAX))
    if "image" in sent:
        image = errors.parse("image", lambda: image_url(changes.image))
    errors.raise_if_any()
    return _ValidChanges(
        username=_sent(username),
        email=_sent(email),
        password=_sent(password),
        bio=_sent(bio),
        image=_sent(image),
    )


def _sent(field: Parsed[T] | None) -> T | None:
    """A sent field's valid value; None for a field that was not sent."""
    return None if field is None else field.value
