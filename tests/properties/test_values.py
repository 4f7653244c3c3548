"""Properties of the value objects, slugs and API timestamps, for any input hypothesis finds."""

from __future__ import annotations

import re
import string
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import values
from domain.slugs import SLUG_MAX, slugify, unique_slug
from domain.values import (
    BLANK,
    EMAIL_MAX,
    HAS_NUL,
    NOT_UTF8,
    NUL,
    PASSWORD_MAX,
    TAG_MAX,
    TAGS_PER_ARTICLE_MAX,
    USERNAME_MAX,
    Email,
    InvalidValue,
    Password,
    Username,
)
from entrypoints.http.presenters import timestamp

URL_SAFE_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
API_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
WHITESPACE = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]

blanks = st.none() | st.text(alphabet=st.sampled_from(WHITESPACE), max_size=10)
padding = st.text(alphabet=st.sampled_from(WHITESPACE), max_size=3)
titles = st.text() | st.text(alphabet=string.ascii_letters + " -", min_size=SLUG_MAX)
usernames = st.text(
    alphabet=st.characters(categories=("L", "Nd")) | st.sampled_from("._-"),
    min_size=1,
    max_size=USERNAME_MAX,
)
emails = st.emails().filter(lambda email: len(email) <= EMAIL_MAX)
# PostgreSQL text cannot hold NUL and UTF-8 cannot encode a lone surrogate, so the value
# objects refuse both; each has its own test.
no_nul = st.characters(exclude_characters=NUL, exclude_categories=["Cs"])
passwords = st.text(no_nul, min_size=1, max_size=PASSWORD_MAX).filter(str.strip)
tags = st.lists(st.text(no_nul, max_size=TAG_MAX), max_size=TAGS_PER_ARTICLE_MAX)
long_tags = st.text(
    st.characters(exclude_categories=("Z", "Cc")), min_size=TAG_MAX + 1, max_size=2 * TAG_MAX
)
fixed_offsets = st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ),
)
# Every moment whose UTC date has a four-digit year, seen from any timezone.
moments = st.datetimes(
    min_value=datetime(1000, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.timezones() | fixed_offsets,
)


@given(titles)
def test_slugify_is_never_empty_and_url_safe_within_the_maximum(title: str) -> None:
    slug = slugify(title)

    assert URL_SAFE_SLUG.fullmatch(slug)
    assert 0 < len(slug) <= SLUG_MAX


@given(titles)
def test_slugify_leaves_a_slug_as_it_is(title: str) -> None:
    assert slugify(slugify(title)) == slugify(title)


@given(titles, st.sets(st.integers(min_value=2, max_value=30)), st.booleans())
def test_unique_slug_never_returns_a_taken_slug(
    title: str, suffixes: set[int], base_taken: bool
) -> None:
    base = slugify(title)
    taken = {f"{base}-{n}" for n in suffixes} | ({base} if base_taken else set())

    slug = unique_slug(base, taken)

    assert slug not in taken
    assert slug.startswith(base)


@given(titles, st.sets(st.text()))
def test_unique_slug_returns_the_base_when_it_is_free(title: str, others: set[str]) -> None:
    base = slugify(title)

    assert unique_slug(base, others - {base}) == base


@given(tags)
def test_tag_list_is_sorted_deduplicated_stripped_and_without_blanks(raw: list[str]) -> None:
    result = values.tag_list(raw)

    assert list(result) == sorted(set(result))
    assert all(tag and tag == tag.strip() for tag in result)
    assert set(result) == {tag.strip() for tag in raw if tag.strip()}


@given(st.lists(st.text(max_size=5), max_size=5), long_tags)
def test_tag_list_rejects_a_tag_longer_than_the_maximum(raw: list[str], long_tag: str) -> None:
    with pytest.raises(InvalidValue):
        values.tag_list([*raw, long_tag])


@given(usernames, padding, padding)
def test_username_accepts_letters_digits_dots_dashes_and_underscores(
    name: str, before: str, after: str
) -> None:
    assert Username.parse(before + name + after).value == name


@given(emails, padding, padding)
def test_email_accepts_a_valid_address(email: str, before: str, after: str) -> None:
    assert Email.parse(before + email + after).value == email


@given(blanks)
def test_username_and_email_reject_blank_or_whitespace_as_blank(raw: str | None) -> None:
    for parse in (Username.parse, Email.parse):
        with pytest.raises(InvalidValue, match=f"^{BLANK}$"):
            parse(raw)


@given(blanks, st.integers(min_value=1, max_value=64))
def test_password_rejects_blank_or_whitespace_as_blank(raw: str | None, min_length: int) -> None:
    with pytest.raises(InvalidValue, match=f"^{BLANK}$"):
        Password.parse(raw, min_length=min_length)


@given(passwords, st.integers(min_value=1, max_value=64))
def test_password_is_kept_as_typed_from_the_minimum_length_up(raw: str, min_length: int) -> None:
    if len(raw) < min_length:
        with pytest.raises(InvalidValue, match=rf"minimum is {min_length} characters"):
            Password.parse(raw, min_length=min_length)
    else:
        assert Password.parse(raw, min_length=min_length).value == raw


@given(st.text(no_nul, min_size=PASSWORD_MAX + 1, max_size=PASSWORD_MAX + 10).filter(str.strip))
def test_password_rejects_more_than_the_maximum(raw: str) -> None:
    with pytest.raises(InvalidValue, match="too long"):
        Password.parse(raw)


@given(st.text(no_nul, max_size=20), st.text(no_nul, max_size=20))
def test_text_with_a_nul_character_is_refused(before: str, after: str) -> None:
    raw = f"{before}{NUL}{after}x"
    for parse in (Username.parse, Email.parse, Password.parse, lambda r: values.tag_list([r])):
        with pytest.raises(InvalidValue, match=f"^{HAS_NUL}$"):
            parse(raw)


@given(
    st.text(no_nul, max_size=20),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.text(no_nul, max_size=20),
)
def test_text_with_an_unpaired_surrogate_is_refused(before: str, half: str, after: str) -> None:
    raw = f"x{before}{half}{after}x@x.io"
    parsers: list[Callable[[str], object]] = [
        Username.parse,
        Email.parse,
        Password.parse,
        values.title,
        values.description,
        values.body,
        values.comment_body,
        lambda r: values.optional_text(r, max_length=1_000),
        lambda r: values.tag_list([r]),
    ]
    for parse in parsers:
        with pytest.raises(InvalidValue, match=f"^{re.escape(NOT_UTF8)}$"):
            parse(raw)


@given(moments)
def test_timestamp_is_utc_with_milliseconds_and_round_trips(moment: datetime) -> None:
    shown = timestamp(moment)

    assert API_TIMESTAMP.fullmatch(shown)
    parsed = datetime.strptime(shown, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    assert parsed == utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def test_timestamp_pads_a_year_before_1000_to_four_digits() -> None:
    assert timestamp(datetime(999, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC)) == (
        "0999-12-31T23:59:59.999Z"
    )
