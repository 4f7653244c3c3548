"""Slugs: URL-safe, readable, and unique among the slugs already taken."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

SLUG_MAX = 120
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
FALLBACK = "article"


def slugify(title: str) -> str:
    """ASCII letters and digits joined by single dashes; never empty."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_ALNUM.sub("-", ascii_title.lower()).strip("-")
    slug = slug[:SLUG_MAX].rstrip("-")
    return slug or FALLBACK


def unique_slug(base: str, taken: Collection[str]) -> str:
    """`base`, else the first free `base-2`, `base-3`, ... (deterministic on every adapter)."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
