"""Recognise the same article under another URL or in another copy.

Three keys, from strict to loose:
- the canonical URL (scheme and host lower-cased, default port, fragment and tracking parameters
  such as utm_*, fbclid, gclid removed — courlan's list), so a re-fetch is the same row;
- the content hash (SHA-256 of the text folded for case, punctuation and spacing), so a byte-for-byte
  republication on another site is caught;
- a 64-bit SimHash over word 3-shingles, so a copy with another headline, a line of site boilerplate
  or a corrected typo is caught (Charikar 2002; Manku et al. 2007 use 64 bits and distance 3 for
  web pages; news items are short, so a byline moves more bits and MAX_DISTANCE is 7). A SimHash match is then
  confirmed on shared shingles and on the names and numbers: KCNA's formulaic items
  ("sent a floral basket to the President of Laos" / "... of Vietnam") are near-identical in words
  but report different events, so a copy must contain every name and number of the other text.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url

__all__ = [
    "BANDS",
    "MAX_DISTANCE",
    "bands",
    "canonical_url",
    "content_hash",
    "hamming",
    "key_tokens",
    "same_story",
    "simhash",
    "text_keys",
]

MAX_DISTANCE = 7  # bits; split into eight bands, any two fingerprints this close share one band exactly
# (shift, width) of each band; the database has one expression index per band (migration 0002).
BANDS = tuple((8 * i, 8) for i in range(8))
MIN_CONTAINMENT = 0.6  # share of the shorter text's 3-shingles that a copy must contain
MIN_TOKENS_FOR_NEAR_DUPLICATE = 25  # shorter texts are compared by hash only: too little to judge
_WORD = re.compile(r"\w+", re.UNICODE)
_KEY = re.compile(r"\b(?:[A-Z][\w'\-]*\w|\d[\d,.]*)")


def canonical_url(url: str) -> str:
    """The URL under which an article is stored once: normalised, without tracking parameters."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return url  # file://, urn: and other local identifiers are already canonical
    try:
        normalized = normalize_url(url)
    except (ValueError, TypeError):
        normalized = url
    parts = urlsplit(normalized)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _tokens(text: str) -> list[str]:
    return _WORD.findall((text or "").casefold())


def content_hash(text: str) -> str:
    """SHA-256 of the words of the text, so spacing, case and punctuation changes do not count."""
    return _content_hash(_tokens(text))


def _content_hash(tokens: list[str]) -> str:
    return hashlib.sha256(" ".join(tokens).encode("utf-8")).hexdigest()


def text_keys(text: str) -> tuple[str, int | None]:
    """`content_hash` and `simhash` of a text, splitting it into words once."""
    tokens = _tokens(text)
    return _content_hash(tokens), _simhash(tokens)


# Each of the 64 bit counters of a SimHash is a 40-bit lane of one integer (room for any text's total
# weight): _SPREAD[byte] has a 1 in lane i for each bit i set in the byte, so `lanes += _SPREAD[b] * n`
# adds n to the eight counters of a byte's bits in one integer operation.
_LANE = 40
_LANE_MASK = (1 << _LANE) - 1
_SPREAD = [sum(((byte >> bit) & 1) << (_LANE * bit) for bit in range(8)) for byte in range(256)]


def simhash(text: str) -> int | None:
    """64-bit SimHash of word 3-shingles as a signed integer (PostgreSQL bigint); None for short texts."""
    return _simhash(_tokens(text))


def _simhash(tokens: list[str]) -> int | None:
    if len(tokens) < MIN_TOKENS_FOR_NEAR_DUPLICATE:
        return None
    shingles = Counter(" ".join(tokens[i : i + 3]) for i in range(len(tokens) - 2))
    # Per-byte tallies instead of a 64-step loop per shingle: 8 tallies of 256, then each tally's bit
    # counts in one pass of lane arithmetic.
    t0, t1, t2, t3, t4, t5, t6, t7 = tallies = [[0] * 256 for _ in range(8)]
    total = 0
    blake2b = hashlib.blake2b
    for shingle, weight in shingles.items():
        b0, b1, b2, b3, b4, b5, b6, b7 = blake2b(shingle.encode("utf-8"), digest_size=8).digest()
        t0[b0] += weight
        t1[b1] += weight
        t2[b2] += weight
        t3[b3] += weight
        t4[b4] += weight
        t5[b5] += weight
        t6[b6] += weight
        t7[b7] += weight
        total += weight
    value = 0
    for position, tally in enumerate(tallies):
        lanes = 0
        for byte, count in enumerate(tally):
            if count:
                lanes += _SPREAD[byte] * count
        for bit in range(8):
            if ((lanes >> (_LANE * bit)) & _LANE_MASK) * 2 > total:
                value |= 1 << (position * 8 + bit)
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit fingerprints."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def bands(fingerprint: int) -> list[int]:
    """The bands of a fingerprint, computed exactly as the database indexes compute them."""
    return [(fingerprint >> shift) & ((1 << width) - 1) for shift, width in BANDS]


def key_tokens(text: str) -> set[str]:
    """Names and numbers in a text: what a copy of the same report must share."""
    return {token.casefold() for token in _KEY.findall(text or "")}


def _shingles(text: str) -> set[str]:
    tokens = _tokens(text)
    return {" ".join(tokens[i : i + 3]) for i in range(max(1, len(tokens) - 2))}


def same_story(text_a: str, text_b: str, memo: dict | None = None) -> bool:
    """Confirm a SimHash match: most of the shorter text's shingles are in the other, and all of its
    names and numbers (a copy may add a byline or a headline, but not change who or where).

    `memo`: a dict the caller keeps while comparing the same texts again and again (a batch of articles
    against their candidates), so each text is split once.
    """
    keys_a, keys_b = _memo(memo, "keys", text_a, key_tokens), _memo(memo, "keys", text_b, key_tokens)
    if not (keys_a <= keys_b or keys_b <= keys_a):
        return False
    shingles_a, shingles_b = _memo(memo, "shingles", text_a, _shingles), _memo(memo, "shingles", text_b, _shingles)
    shorter = min(len(shingles_a), len(shingles_b)) or 1
    return len(shingles_a & shingles_b) / shorter >= MIN_CONTAINMENT


def _memo(memo: dict | None, kind: str, text: str, make):
    if memo is None:
        return make(text)
    key = (kind, text)
    if key not in memo:
        memo[key] = make(text)
    return memo[key]
