"""Romanisation-insensitive person names: KCNA "Kim Song Nam", Yonhap "Kim Song-nam", "Kim Sung-nam", 김성남."""

from __future__ import annotations

import re
import unicodedata


def name_key(name: str) -> str:
    """A key equal for spellings of the same Korean name (temporary: case, accents, spaces, hyphens, Sung/Song)."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    parts = [p.replace("sung", "song") for p in re.split(r"[\s\-'’]+", text) if p]
    return "".join(parts)


def same_person(a: str, b: str) -> bool:
    """Whether two spellings name the same person."""
    return bool(a and b) and name_key(a) == name_key(b)
