"""Full-text search over dicts, mimicking the PostgreSQL adapters.

PostgreSQL indexes `articles_search_vector(title, description, body)` (migration 0003):
ASCII punctuation becomes a space, the `simple` configuration splits the rest into
lower-cased words (no stemming, no stop words), and the title, description and body are
weighted A, B and C. Matching is every query word present; ranking is `ts_rank`. This
module repeats both, including `ts_rank`'s float4 arithmetic and the tsvector limits
(positions up to 16383, at most 255/256 positions per word), so the two adapters agree on
the answer set and, for ASCII text and ordinary letters, on the order too. PostgreSQL
classifies non-ASCII characters with the database's locale: rare code points (combining
marks after a number, symbols some locale calls letters) may be split differently here.
"""

from __future__ import annotations

import functools
import math
import re
import struct
import unicodedata

Document = dict[str, list[tuple[int, float]]]
"""Word → its (position, weight) pairs, as in a tsvector."""

MAX_POSITION = 16_383
"""tsvector positions stop here: later words all share this position."""
MAX_POSITIONS_PARSED = 255
"""to_tsvector keeps this many positions per word..."""
MAX_POSITIONS_JOINED = 256
"""...and `||` this many."""

_SCIENTIFIC = re.compile(r"[0-9]+[eE][0-9]+")
"""PostgreSQL's parser reads `7e3` as a number, even glued to letters (`7e3zy`: 7e3, zy)."""


def _f32(value: float) -> float:
    """`value` rounded to a C float, as ts_rank stores every intermediate result."""
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


WEIGHT_A, WEIGHT_B, WEIGHT_C = _f32(1.0), _f32(0.4), _f32(0.2)
_PAIR_SCALE = 1.64493406685
"""pi²/6, by which ts_rank divides the weight of a word's occurrences."""


def _is_word_char(char: str, *, continues_word: bool) -> bool:
    if char.isascii():
        return char.isalnum()
    if char.isalpha() or unicodedata.category(char) == "Nd":
        return True
    # Accents written as combining marks belong to the letter before them.
    return continues_word and unicodedata.category(char) in {"Mn", "Mc", "Me"}


def words(text: str) -> list[str]:
    """The lower-cased words of `text`, in order, as the `simple` configuration splits them."""
    chunks: list[str] = []
    current: list[str] = []
    for char in text:
        if _is_word_char(char, continues_word=bool(current)):
            current.append(char)
        elif current:
            chunks.append("".join(current))
            current = []
    if current:
        chunks.append("".join(current))
    found: list[str] = []
    for chunk in chunks:
        number = _SCIENTIFIC.match(chunk)
        if number is not None and number.end() < len(chunk):
            found += [number.group(), chunk[number.end() :]]
        else:
            found.append(chunk)
    # PostgreSQL lower-cases one character at a time (towlower), never into two.
    return ["".join(char.lower()[0] for char in word) for word in found]


def _vector(text: str, weight: float) -> Document:
    """to_tsvector('simple', ...) with setweight: positions from 1, capped, deduplicated."""
    vector: Document = {}
    for index, word in enumerate(words(text), start=1):
        position = min(index, MAX_POSITION)
        kept = vector.setdefault(word, [])
        if not kept or (
            len(kept) < MAX_POSITIONS_PARSED
            and kept[-1][0] != MAX_POSITION
            and kept[-1][0] != position
        ):
            kept.append((position, weight))
    return vector


def _join(left: Document, right: Document) -> Document:
    """`left || right`: the right side's positions move past the left's last one."""
    shift = max((p for positions in left.values() for p, _ in positions), default=0)
    joined = {word: list(positions) for word, positions in left.items()}
    for word, positions in right.items():
        kept = joined.setdefault(word, [])
        for position, weight in positions:
            if len(kept) >= MAX_POSITIONS_JOINED or (kept and kept[-1][0] == MAX_POSITION):
                break
            kept.append((min(position + shift, MAX_POSITION), weight))
    return joined


@functools.lru_cache(maxsize=4096)
def document(title: str, description: str, body: str) -> Document:
    """What articles_search_vector(title, description, body) stores.

    Cached, as the column is: the same texts give the same (shared, unmodified) vector."""
    return _join(
        _join(_vector(title, WEIGHT_A), _vector(description, WEIGHT_B)),
        _vector(body, WEIGHT_C),
    )


def query_terms(q: str) -> list[str]:
    """articles_search_query(q)'s distinct words, in ts_rank's order (by UTF-8 bytes)."""
    return sorted(set(words(q)), key=lambda word: word.encode())


def rank(doc: Document, terms: list[str]) -> float | None:
    """ts_rank(search, articles_search_query(q)), or None when a term is missing."""
    if not terms or any(term not in doc for term in terms):
        return None
    if len(terms) == 1:
        return _rank_or(doc, terms)
    score = _rank_and(doc, terms)
    return score if score >= 0 else _f32(1e-20)


def _rank_or(doc: Document, terms: list[str]) -> float:
    score = 0.0
    for term in terms:
        total, best, best_at = 0.0, -1.0, 0
        for j, (_, weight) in enumerate(doc[term]):
            total = _f32(total + _f32(weight / ((j + 1) * (j + 1))))
            if weight > best:
                best, best_at = weight, j
        spread = _f32(_f32(best + total) - _f32(best / ((best_at + 1) * (best_at + 1))))
        score = _f32(score + spread / _PAIR_SCALE)
    return _f32(score / len(terms))


def _word_distance(distance: int) -> float:
    if distance > 100:
        return _f32(1e-30)
    return _f32(1.0 / (1.005 + 0.05 * math.exp(_f32(distance) / 1.5 - 2)))


def _rank_and(doc: Document, terms: list[str]) -> float:
    score = -1.0
    for i, term in enumerate(terms):
        for earlier in terms[:i]:
            for position, weight in doc[term]:
                for other_position, other_weight in doc[earlier]:
                    distance = abs(position - other_position)
                    if distance == 0:
                        continue
                    pair = _f32(_f32(weight * other_weight) * _word_distance(distance))
                    near = _f32(math.sqrt(pair))
                    score = near if score < 0 else _f32(1.0 - (1.0 - score) * (1.0 - near))
    return score
