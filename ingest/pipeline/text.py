"""From fetched bytes to clean text: encoding detection, main-text extraction, publication time.

Encodings are detected, not assumed: a declared charset (HTTP header, BOM or <meta>) is used only if
the bytes decode cleanly with it, otherwise charset-normalizer decides (Korean sites still serve
EUC-KR, often mislabelled). HTML becomes plain text with trafilatura; the text is what is stored and
shown, so no markup from a page ever reaches a browser.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

import charset_normalizer

__all__ = ["PageText", "clean_text", "decode", "extract_page", "looks_like_feed", "parse_date"]

MAX_TEXT_CHARS = 2_000_000  # extracted text past this is cut: no article is that long
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


@dataclass(frozen=True)
class PageText:
    """The readable part of a page."""

    title: str
    text: str
    published: datetime | None
    language: str


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(content: bytes, declared: str | None = None) -> str:
    """Bytes to str: BOM, then a declared charset that decodes cleanly, then detection."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if content.startswith(bom):
            return content.decode(encoding, errors="replace").lstrip("\ufeff")
    head = content[:4096]
    candidates = [_codec(declared)]
    for pattern in (_META_CHARSET, _XML_ENCODING):
        found = pattern.search(head)
        if found:
            candidates.append(_codec(found.group(1).decode("ascii", "ignore")))
    single_byte = []
    for encoding in dict.fromkeys(c for c in candidates if c):
        if _is_single_byte(encoding):
            single_byte.append(encoding)  # decodes any bytes, so a wrong label cannot be caught here
            continue
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue  # mislabelled: fall through to detection
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(content).best()
    if best is not None and not (single_byte and _is_single_byte(best.encoding)):
        return str(best)
    if single_byte:
        return content.decode(single_byte[0], errors="replace")
    if best is not None:
        return str(best)
    return content.decode("utf-8", errors="replace")


def _is_single_byte(encoding: str) -> bool:
    """Latin-1, the Windows code pages, KOI8 and kin map every byte to a character."""
    name = codecs.lookup(encoding).name
    return name.startswith(("iso8859", "latin", "cp125", "cp437", "cp85", "koi8", "mac-", "ascii", "tis-620"))


def clean_text(text: str) -> str:
    """Normalise text for storage: NFC, no control characters, single spaces, at most one blank line."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return text[:MAX_TEXT_CHARS]


def parse_date(value: object) -> datetime | None:
    """A publication time from an ISO string, a date or a datetime; naive values are taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@lru_cache(maxsize=1)
def _trafilatura_config():
    from trafilatura.settings import use_config

    config = use_config()
    # Signal-based timeouts only work in a main thread; Celery's own time limits cover runaway pages.
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    # Pages with absurdly many elements are HTML bombs, not articles.
    config.set("DEFAULT", "MAX_TREE_SIZE", "200000")
    # Never let the library fetch anything itself (all fetching goes through fetch.py).
    config.set("DEFAULT", "INSECURE_SSL_FALLBACK", "off")
    config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
    return config


def extract_page(html: str, url: str | None = None) -> PageText:
    """Main text, title, publication time and language of an HTML page (trafilatura)."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        config=_trafilatura_config(),
    )
    title = ""
    text = ""
    published = None
    language = ""
    if document is not None:
        title = document.title or ""
        text = document.text or ""
        published = parse_date(document.date)
        language = document.language or ""
    if not title:
        found = _TITLE.search(html[:20000])
        if found:
            title = re.sub(r"<[^>]+>", "", found.group(1))
    title, text = clean_text(title)[:1000], clean_text(text)
    # The extractor keeps the page's headline as the first line; the title field already holds it, and
    # leaving it in would make two copies of one report under different headlines look less alike.
    first, _, rest = text.partition("\n")
    if rest and first and title and (first.casefold() in title.casefold() or title.casefold() in first.casefold()):
        text = rest.lstrip()
    return PageText(title=title, text=text, published=published, language=language)


def looks_like_feed(content: bytes, content_type: str = "") -> bool:
    """Whether fetched bytes are an RSS/Atom/RDF feed rather than a page."""
    if content_type in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
        return True
    head = content[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<!doctype html") or head.startswith(b"<html"):
        return False
    return any(marker in head for marker in (b"<rss", b"<feed", b"<rdf:rdf", b"<channel"))
