"""Value objects: each parses raw input into a valid value or raises `InvalidValue`."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast
from urllib.parse import urlsplit

from domain.errors import ValidationFailed

BLANK = "can't be blank"

USERNAME_MAX = 64
EMAIL_MAX = 254
PASSWORD_MIN_ON_UPDATE = 8
PASSWORD_MAX = 256
BIO_MAX = 2_000
IMAGE_MAX = 2_048
TITLE_MAX = 256
DESCRIPTION_MAX = 1_024
BODY_MAX = 100_000
TAG_MAX = 64
TAGS_PER_ARTICLE_MAX = 20
COMMENT_MAX = 20_000
SEARCH_MAX = 256
"""A search (`q`): words of an article's title, description or body."""

_USERNAME = re.compile(r"^[\w.\-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidValue(ValueError):
    """A single field's value is not acceptable; the message is user-facing."""


NUL = "\x00"
HAS_NUL = "must not contain NUL characters"
NOT_UTF8 = "must be text that UTF-8 can encode (no unpaired surrogates)"
_SURROGATE = re.compile("[\ud800-\udfff]")


def text(raw: str) -> str:
    """`raw`, if every adapter can store it and the hasher can read it; else InvalidValue."""
    if NUL in raw:
        # PostgreSQL text cannot hold NUL; every adapter refuses it the same way.
        raise InvalidValue(HAS_NUL)
    if not raw.isascii() and _SURROGATE.search(raw):
        # JSON can spell half a UTF-16 pair ("\ud800"); no UTF-8 encoder takes it.
        raise InvalidValue(NOT_UTF8)
    return raw


def _required(raw: str | None, *, max_length: int, strip: bool = True) -> str:
    if raw is None or not raw.strip():
        raise InvalidValue(BLANK)
    value = raw.strip() if strip else raw
    if len(value) > max_length:
        raise InvalidValue(f"is too long (maximum is {max_length} characters)")
    return text(value)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def identity_key(value: str) -> str:
    """What usernames and emails are unique by: the value with ASCII letters lower-cased.

    `A@EX.COM` is `a@ex.com` and `Jake` is `jake`, so nobody registers a look-alike of an
    account. Only ASCII letters fold: that is what PostgreSQL's lower() does under the "C"
    collation on every server, while a locale's case rules depend on the server's libc or
    ICU (and a unique index built on them could change meaning with an upgrade).
    """
    return value.translate(_ASCII_LOWER)


@dataclass(frozen=True, slots=True)
class Username:
    value: str

    @classmethod
    def parse(cls, raw: str | None) -> Username:
        value = _required(raw, max_length=USERNAME_MAX)
        if not _USERNAME.fullmatch(value):
            raise InvalidValue("may contain only letters, digits, '.', '_' and '-'")
        return cls(value)


@dataclass(frozen=True, slots=True)
class Email:
    value: str

    @classmethod
    def parse(cls, raw: str | None) -> Email:
        value = _required(raw, max_length=EMAIL_MAX)
        if not _EMAIL.fullmatch(value):
            raise InvalidValue("is invalid")
        return cls(value)


@dataclass(frozen=True, slots=True)
class Password:
    """A plain-text password on its way to the hasher; never stored or logged."""

    value: str

    def __repr__(self) -> str:
        return "Password(***)"

    @classmethod
    def parse(cls, raw: str | None, *, min_length: int = 1) -> Password:
        if raw is None or not raw.strip():
            raise InvalidValue(BLANK)
        if len(raw) < min_length:
            raise InvalidValue(f"is too short (minimum is {min_length} characters)")
        if len(raw) > PASSWORD_MAX:
            raise InvalidValue(f"is too long (maximum is {PASSWORD_MAX} characters)")
        return cls(text(raw))


def optional_text(raw: str | None, *, max_length: int) -> str | None:
    """Bio and image: blank becomes null, as the contract asks."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > max_length:
        raise InvalidValue(f"is too long (maximum is {max_length} characters)")
    return text(raw)


_URL_CHARACTERS = re.compile(r"[^\s\x00-\x1f\x7f-\x9f]+")
NOT_HTTP_URL = "must be an http or https URL"


def image_url(raw: str | None) -> str | None:
    """An image is shown by browsers: an absolute http(s) URL, or null (blank becomes null).

    Anything else (`javascript:`, `data:`, a relative path, whitespace or control
    characters inside) would be a script or a broken link in every client that renders it.
    """
    value = optional_text(raw, max_length=IMAGE_MAX)
    if value is None:
        return None
    value = value.strip()
    if not _URL_CHARACTERS.fullmatch(value):
        raise InvalidValue(NOT_HTTP_URL)
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as error:  # e.g. an unclosed IPv6 bracket
        raise InvalidValue(NOT_HTTP_URL) from error
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InvalidValue(NOT_HTTP_URL)
    return value


def title(raw: str | None) -> str:
    return _required(raw, max_length=TITLE_MAX)


def description(raw: str | None) -> str:
    return _required(raw, max_length=DESCRIPTION_MAX)


def body(raw: str | None) -> str:
    return _required(raw, max_length=BODY_MAX, strip=False)


def comment_body(raw: str | None) -> str:
    return _required(raw, max_length=COMMENT_MAX, strip=False)


def tag_list(raw: Iterable[str]) -> tuple[str, ...]:
    """Trim, drop blanks, deduplicate and sort: the contract returns tags sorted."""
    tags = {tag.strip() for tag in raw if tag.strip()}
    if any(len(tag) > TAG_MAX for tag in tags):
        raise InvalidValue(f"tags are limited to {TAG_MAX} characters")
    for tag in tags:
        text(tag)
    if len(tags) > TAGS_PER_ARTICLE_MAX:
        raise InvalidValue(f"is limited to {TAGS_PER_ARTICLE_MAX} tags")
    return tuple(sorted(tags))


T = TypeVar("T")


_INVALID = object()


class Parsed(Generic[T]):
    """One field's parsed value, to read once `FieldErrors.raise_if_any()` has passed."""

    __slots__ = ("_value",)

    def __init__(self, value: T | object) -> None:
        self._value = value

    @property
    def value(self) -> T:
        if self._value is _INVALID:
            raise RuntimeError("an invalid field was read: call raise_if_any() first")
        return cast(T, self._value)


class FieldErrors:
    """Collects every failing field so a 422 reports all of them, not only the first.

    Parse every field, then `raise_if_any()`; after it, each field's `.value` is valid::

        title = errors.parse("title", lambda: values.title(raw_title))
        errors.raise_if_any()
        use(title.value)
    """

    def __init__(self) -> None:
        self._errors: dict[str, list[str]] = {}

    def parse(self, field: str, parser: Callable[[], T]) -> Parsed[T]:
        try:
            return Parsed(parser())
        except InvalidValue as error:
            self.add(field, str(error))
            return Parsed(_INVALID)

    def add(self, field: str, message: str) -> None:
        self._errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self._errors:
            raise ValidationFailed(self._errors)
