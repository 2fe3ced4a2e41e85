"""Article rows: create them once per canonical URL, record what became of them, find duplicates.

Nothing is ever lost: an article that cannot be fetched or parsed keeps its row with the reason, and
an editor can retry it. Finding a duplicate and recording the article's own keys happen under one
PostgreSQL advisory lock, so two workers storing two copies of the same report at the same moment
cannot both become the original.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from ingest.models import Article, Source
from ingest.pipeline import dedupe

__all__ = [
    "DONE_STATUSES",
    "article_fail",
    "article_find_duplicate",
    "article_get_or_create",
    "article_mark_duplicate",
    "article_set_keys",
    "articles_get_or_create",
    "articles_set_keys",
    "lock_key",
]

# Statuses after which processing the article again must change nothing.
DONE_STATUSES = frozenset(
    {Article.Status.IRRELEVANT, Article.Status.PROPOSED, Article.Status.LINKED, Article.Status.DUPLICATE}
)
DEDUPE_LOCK = 0x1A71A5_0001  # an arbitrary constant naming the "dedupe" advisory lock


def lock_key(label: str) -> int:
    """A 64-bit advisory lock key naming `label` (a record, a person, an article's citations)."""
    return int.from_bytes(hashlib.blake2b(label.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def _new_article(
    *,
    url: str,
    title: str = "",
    text: str = "",
    published: datetime | None = None,
    source: Source | None = None,
    source_name: str = "",
    language: str = "",
) -> Article:
    return Article(
        canonical_url=dedupe.canonical_url(url)[:2000],
        url=url[:2000],
        title=(title or "")[:1000],
        text=text or "",
        published_at=published,
        source=source,
        source_name=(source_name or (source.name if source else ""))[:200],
        language=(language or "")[:10],
        status=Article.Status.FETCHED if text else Article.Status.PENDING,
        fetched_at=timezone.now() if text else None,
    )


def article_get_or_create(**fields) -> tuple[Article, bool]:
    """The article stored under this URL's canonical form, created if new (with its text, if known).

    Fields: url, title, text, published, source, source_name, language. An existing row is returned
    unchanged: re-ingesting an input never rewrites what was stored.
    """
    new = _new_article(**fields)
    defaults = {name: getattr(new, name) for name in ("url", "title", "text", "published_at", "source", "source_name",
                                                       "language", "status", "fetched_at")}
    return Article.objects.get_or_create(canonical_url=new.canonical_url, defaults=defaults)


def articles_get_or_create(rows: list[dict], *, chunk: int = 1000) -> list[Article]:
    """`article_get_or_create` for many inputs (each a dict of its fields), in the order given.

    One INSERT ... ON CONFLICT DO NOTHING (the canonical URL's unique key) and one SELECT per chunk,
    instead of a lookup, a savepoint and an insert per article. Rows already stored, or repeated in
    the input, are returned as stored.
    """
    articles = []
    for start in range(0, len(rows), chunk):
        new = [_new_article(**row) for row in rows[start : start + chunk]]
        unique: dict[str, Article] = {}
        for article in new:  # the first of repeated URLs wins; ids follow the input's order
            unique.setdefault(article.canonical_url, article)
        unique = list(unique.values())
        Article.objects.bulk_create(unique, ignore_conflicts=True)
        stored = {a.canonical_url: a for a in Article.objects.filter(canonical_url__in=[a.canonical_url for a in unique])}
        articles += [stored[a.canonical_url] for a in new]
    return articles


def article_fail(article: Article, reason: str) -> None:
    """Mark an article failed with the reason an editor sees; it stays retryable from the admin."""
    article.status = Article.Status.FAILED
    article.failure_reason = reason[:2000]
    article.processed_at = timezone.now()
    article.save(update_fields=["status", "failure_reason", "processed_at", "updated_at"])


def _duplicate_sql() -> str:
    # One raw statement (no ORM compilation on this hot path): the same text first, then fingerprints
    # sharing a band (each band test is the exact expression of its index in migration 0002) and
    # within MAX_DISTANCE bits.
    bands = " OR ".join(
        f"((fingerprint >> {shift}) & {(1 << width) - 1}) = %(band{i})s" for i, (shift, width) in enumerate(dedupe.BANDS)
    )
    return f"""
        SELECT id FROM ingest_article
        WHERE id <> %(id)s AND duplicate_of_id IS NULL AND text <> ''
          AND (content_hash = %(hash)s
               OR (%(fp)s::bigint IS NOT NULL AND fingerprint IS NOT NULL AND ({bands})
                   AND bit_count((fingerprint # %(fp)s::bigint)::bit(64)) <= %(distance)s))
        ORDER BY (content_hash = %(hash)s) DESC, id
        LIMIT 20
    """


def article_find_duplicate(article: Article) -> Article | None:
    """An earlier article with the same text, or a near-identical copy of the same report."""
    params = {"id": article.pk, "hash": article.content_hash, "fp": article.fingerprint,
              "distance": dedupe.MAX_DISTANCE}
    params.update({f"band{i}": band for i, band in enumerate(dedupe.bands(article.fingerprint or 0))})
    with connection.cursor() as cursor:
        cursor.execute(_duplicate_sql(), params)
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return None
    candidates = {a.pk: a for a in Article.objects.filter(pk__in=ids)}
    for pk in ids:
        candidate = candidates.get(pk)
        if candidate is None:
            continue
        if candidate.content_hash == article.content_hash or dedupe.same_story(candidate.text, article.text):
            return candidate
    return None


def article_set_keys(article: Article) -> Article | None:
    """Compute the article's hash and fingerprint and store them; return the original if it is a copy.

    Runs under the dedupe advisory lock so concurrent copies are seen in a definite order.
    """
    return articles_set_keys([article])[article.pk]


def _batch_duplicate_sql() -> str:
    # _duplicate_sql for every article of a batch in one statement (a LATERAL subquery per article).
    bands = " OR ".join(
        f"((a.fingerprint >> {shift}) & {(1 << width) - 1}) = ((v.fp >> {shift}) & {(1 << width) - 1})"
        for shift, width in dedupe.BANDS
    )
    return f"""
        SELECT v.id, c.id FROM unnest(%(ids)s::bigint[], %(hashes)s::text[], %(fps)s::bigint[]) AS v(id, hash, fp)
        CROSS JOIN LATERAL (
            SELECT a.id FROM ingest_article a
            WHERE a.id <> v.id AND a.duplicate_of_id IS NULL AND a.text <> ''
              AND (a.content_hash = v.hash
                   OR (v.fp IS NOT NULL AND a.fingerprint IS NOT NULL AND ({bands})
                       AND bit_count((a.fingerprint # v.fp)::bit(64)) <= %(distance)s))
            ORDER BY (a.content_hash = v.hash) DESC, a.id
            LIMIT 20
        ) AS c
    """


def articles_set_keys(articles: list[Article]) -> dict[int, Article | None]:
    """`article_set_keys` for a batch: one transaction, one lock and three statements, whatever its size.

    The articles are taken in the order given, each compared with the articles already in the database
    and with the originals earlier in the batch, so the result is the one processing them one after
    the other would give (the first of two copies in a batch is the original).
    """
    for article in articles:  # the hashing is plain CPU work: done before the lock is taken
        article.content_hash, article.fingerprint = dedupe.text_keys(article.text)
    if not articles:
        return {}
    arrays = {
        "ids": [a.pk for a in articles],
        "hashes": [a.content_hash for a in articles],
        "fps": [a.fingerprint for a in articles],
    }
    originals: dict[int, Article | None] = {}
    memo: dict = {}  # each text split into names and shingles once, however many pairs it is in
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DEDUPE_LOCK])
            cursor.execute(_batch_duplicate_sql(), {**arrays, "distance": dedupe.MAX_DISTANCE})
            found: dict[int, list[int]] = {}
            for article_id, candidate_id in cursor.fetchall():
                found.setdefault(article_id, []).append(candidate_id)
            # Only what the comparison and the copy's link read: many near-identical candidates (reports
            # of one kind, on other days) would otherwise bring their stored analysis JSON along.
            stored = {a.pk: a for a in Article.objects.filter(pk__in={pk for ids in found.values() for pk in ids})
                      .only("url", "text", "content_hash", "fingerprint")}
            earlier: list[Article] = []  # originals earlier in this batch
            for article in articles:
                candidates = [stored[pk] for pk in found.get(article.pk, []) if pk in stored]
                candidates += [other for other in earlier if other.pk != article.pk and _close(other, article)]
                candidates.sort(key=lambda c: (c.content_hash != article.content_hash, c.pk))
                originals[article.pk] = next(
                    (c for c in candidates
                     if c.content_hash == article.content_hash or dedupe.same_story(c.text, article.text, memo)),
                    None,
                )
                if originals[article.pk] is None and article.text:
                    earlier.append(article)
            cursor.execute(
                "UPDATE ingest_article AS a SET content_hash = v.hash, fingerprint = v.fp, updated_at = now() "
                "FROM unnest(%(ids)s::bigint[], %(hashes)s::text[], %(fps)s::bigint[]) AS v(id, hash, fp) "
                "WHERE a.id = v.id",
                arrays,
            )
    return originals


def _close(candidate: Article, article: Article) -> bool:
    """What the duplicate query asks of a stored article, asked of one earlier in the batch."""
    if candidate.content_hash == article.content_hash:
        return True
    if candidate.fingerprint is None or article.fingerprint is None:
        return False
    # Within MAX_DISTANCE (7) bits, two fingerprints always share one of the 8 bands exactly.
    return dedupe.hamming(candidate.fingerprint, article.fingerprint) <= dedupe.MAX_DISTANCE


def article_mark_duplicate(article: Article, original: Article, reason: str) -> None:
    """Link a copy to its original; its URL is still cited on the original's records (see apply)."""
    article.duplicate_of = original
    article.status = Article.Status.DUPLICATE
    article.failure_reason = ""
    article.classification = {"duplicate_of": original.pk, "reasons": [reason]}
    article.processed_at = timezone.now()
    article.save(
        update_fields=["duplicate_of", "status", "failure_reason", "classification", "processed_at", "updated_at"]
    )
