"""The ingest pipeline: from a feed, a URL or a file to stored, de-duplicated articles, proposals and records.

    input (feed / URL / JSONL / .txt / .html / upload)
      -> store      one Article per canonical URL (store.py), text if the input carried it
      -> fetch      the page, if the article has no text yet (fetch.py), main text (text.py)
      -> dedupe     content hash and SimHash: a copy is linked to its original (dedupe.py)
      -> analyze    classification and extraction (classify.py), stored as JSON with the reasons
      -> propose    proposals with confidence and evidence (propose.py, consolidate.py)
      -> apply      above settings.INGEST_AUTO_APPLY_THRESHOLD: records + Evidence (apply.py)

Every entry point (`manage.py ingest`, the Celery tasks, the admin) stores articles with the
`ingest_*` functions (a JSONL file in bulk) and then runs `articles_process` on batches of them
(`batches`: 100 articles with their text, 10 whose pages must be fetched), synchronously or on a
worker; `article_process` is a batch of one. A batch shares its work where it can: one statement
claims its articles, one finds their duplicates, one saves the irrelevant ones; each relevant article
is applied in its own transaction, so one failing article ends failed with its reason and the others
go on. Running it again on finished articles changes nothing; an article is attempted at most
MAX_ATTEMPTS times (a poison-message guard for redelivered tasks: after a crash, the unfinished
articles of a batch run one at a time) and then marked failed.
"""

from __future__ import annotations

import hashlib
import html
import json
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pghistory
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, FloatField, Func, Q, Value
from django.db.models.functions import Greatest, Least, Power
from django.utils import timezone

from ingest.models import Article, Proposal, Source
from ingest.pipeline import apply, consolidate, dedupe, fetch, propose, store, text
from ingest.pipeline.fetch import FetchError, TransientFetchError
from ingest.pipeline.names import name_key

__all__ = [
    "MAX_ATTEMPTS",
    "InputError",
    "Outcome",
    "article_process",
    "article_retry",
    "ingest_file",
    "ingest_html",
    "ingest_jsonl",
    "ingest_text",
    "ingest_url",
    "source_poll",
    "sources_due",
]

MAX_ATTEMPTS = 3
BATCH_SIZE = 100  # articles that have their text, per worker task
FETCH_BATCH_SIZE = 10  # articles whose page must be fetched first, per worker task
BATCH_SPREAD = 4  # a smaller input is split into this many tasks (two worker processes, two tasks each)
RETRY = "retry"  # an Outcome status: a transient error, the article waits for the task's retry
ARTICLE_LOCK = 0x1A71A5  # names the per-article advisory locks (first key of the two-key form)
FEED_FULL_TEXT_MIN = 400  # an entry with at least this much text is the article; shorter ones are fetched


class InputError(Exception):
    """An input the command cannot read at all (missing file, unknown format)."""


@dataclass
class Outcome:
    """What became of one article, as `manage.py ingest` prints it."""

    article_id: int | None
    url: str
    status: str
    detail: str = ""
    follow_up: list[int] = field(default_factory=list)  # articles a feed URL turned into

    def line(self) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.status:<10} {self.url}{detail}"


# Storing inputs ------------------------------------------------------------------------------------


def _local_url(kind: str, content: str) -> str:
    return f"urn:{kind}:{hashlib.sha256(content.encode('utf-8')).hexdigest()[:32]}"


def _text_fields(*, text_body: str, url: str = "", title: str = "", published: object = None, source_name: str = "",
                 source: Source | None = None) -> dict:
    body = text.clean_text(text_body)
    # Only web addresses are kept as given: a javascript: or data: "URL" would become a link on every page.
    if not url.lower().startswith(("http://", "https://", "urn:")):
        url = ""
    return {
        "url": url or _local_url("text", body),
        "title": text.clean_text(title)[:1000],
        "text": body,
        "published": text.parse_date(published),
        "source": source,
        "source_name": source_name,
    }


def ingest_text(
    *,
    text_body: str,
    url: str = "",
    title: str = "",
    published: object = None,
    source_name: str = "",
    source: Source | None = None,
) -> Article:
    """Store one article whose text is already known (JSONL line, .txt file, upload, feed entry)."""
    article, _ = store.article_get_or_create(**_text_fields(text_body=text_body, url=url, title=title,
                                                             published=published, source_name=source_name,
                                                             source=source))
    return article


def ingest_html(content: bytes, *, url: str, charset: str | None = None, source: Source | None = None,
                source_name: str = "", published: object = None) -> Article:
    """Store one HTML page: decode, extract its main text, keep the row even if nothing is readable."""
    page = text.extract_page(text.decode(content, charset), url=url if url.startswith("http") else None)
    article, created = store.article_get_or_create(
        url=url,
        title=page.title,
        text=page.text,
        published=text.parse_date(published) or page.published,
        source=source,
        source_name=source_name,
        language=page.language,
    )
    if created and not page.text:
        store.article_fail(article, "parse error: no readable text in the page")
    return article


def _entry_text(entry) -> str:
    parts = [c.get("value", "") for c in entry.get("content", []) if isinstance(c, dict)]
    raw = max(parts + [entry.get("summary", "") or ""], key=len)
    # feedparser has already sanitised the HTML; only its text is kept.
    import nh3

    return text.clean_text(html.unescape(nh3.clean(raw.replace("</p>", "</p>\n"), tags=set())))


def _entry_published(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


def ingest_feed(content: bytes, *, feed_url: str, source: Source | None = None) -> list[Article]:
    """Store one article per feed entry; entries carrying the full text skip the page fetch.

    feedparser parses the bytes fetched (and size-capped) by fetch.py; it never fetches anything.
    A feed with no usable entry raises FetchError with feedparser's complaint.
    """
    import feedparser

    if len(content) > settings.INGEST_MAX_BYTES:
        raise FetchError(f"too large: feed of {len(content)} bytes")
    parsed = feedparser.parse(content, sanitize_html=True, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    if not entries:
        problem = parsed.get("bozo_exception")
        raise FetchError(f"parse error: no entries in the feed{f' ({problem})' if problem else ''}"[:500])
    outlet = (source.name if source else "") or (parsed.get("feed", {}).get("title") or "")[:200]
    articles = []
    for entry in entries:
        link = (entry.get("link") or "").strip()
        if not link.startswith(("http://", "https://")):
            link = ""
        body = _entry_text(entry)
        title = text.clean_text(entry.get("title", "") or "")
        if not link and not body:
            continue
        if not link:
            ident = str(entry.get("id") or title or body[:200])
            link = _local_url("feed-entry", f"{feed_url}#{ident}")
        if len(body) >= FEED_FULL_TEXT_MIN or not link.startswith("http"):
            article = ingest_text(text_body=body, url=link, title=title, published=_entry_published(entry),
                                  source_name=outlet, source=source)
        else:
            article, _ = store.article_get_or_create(url=link, title=title, published=_entry_published(entry),
                                                     source=source, source_name=outlet)
        articles.append(article)
    if not articles:
        raise FetchError(f"parse error: none of the feed's {len(entries)} entries has a link or any text")
    return articles


def ingest_url(url: str, *, source: Source | None = None) -> list[Article]:
    """Fetch a URL given by an operator or an editor: a feed becomes its entries, a page one article.

    A URL that cannot be fetched still becomes an article row, failed with the reason.
    """
    try:
        return _ingest_fetched(fetch.fetch(url), source=source)
    except Exception as exc:  # fetch refused or failed, feed or page unreadable: keep a row with the reason
        reason = str(exc) if isinstance(exc, FetchError) else f"parse error: {type(exc).__name__}: {exc}"
        article, _ = store.article_get_or_create(url=url, source=source)
        if article.status not in store.DONE_STATUSES:
            store.article_fail(article, reason)
        return [article]


def _ingest_fetched(result, *, source: Source | None) -> list[Article]:
    if text.looks_like_feed(result.content, result.content_type):
        return ingest_feed(result.content, feed_url=result.final_url, source=source)
    return [ingest_html(result.content, url=result.url, charset=result.charset, source=source)]


def ingest_jsonl(path: Path, *, source_name: str = "") -> list[Article]:
    """Store one article per line of a JSONL file (id, url, source, published, title, text); keeps each url."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not JSON ({exc})") from exc
            rows.append(
                _text_fields(
                    text_body=str(record.get("text") or ""),
                    url=str(record.get("url") or ""),
                    title=str(record.get("title") or ""),
                    published=record.get("published"),
                    source_name=str(record.get("source") or source_name),
                )
            )
    return store.articles_get_or_create(rows)  # in bulk: one insert and one lookup per thousand lines


def ingest_file(path: Path, *, name: str | None = None, url: str = "") -> list[Article]:
    """Store a local file by its kind: .jsonl lines, .html/.htm page, anything else as plain text."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return ingest_jsonl(path)
    content = path.read_bytes()
    if len(content) > settings.INGEST_MAX_BYTES:
        raise InputError(f"{path}: larger than INGEST_MAX_BYTES ({settings.INGEST_MAX_BYTES})")
    label = name or path.name
    local = url or _local_url("file", f"{label}:{hashlib.sha256(content).hexdigest()}")
    if suffix in (".html", ".htm", ".xhtml"):
        return [ingest_html(content, url=local)]
    if suffix in (".xml", ".rss", ".atom"):
        return ingest_feed(content, feed_url=local)
    body = text.decode(content)
    lines = body.strip().split("\n", 1)
    title = lines[0] if len(lines) > 1 and len(lines[0]) < 300 else ""
    return [ingest_text(text_body=body, url=local, title=title)]


# Processing articles -------------------------------------------------------------------------------


def _record_locks(analysis, article_id: int) -> list[int]:
    labels = {f"citations:{article_id}"}  # see apply.citations_lock: copies cite in step with the original
    for journey in analysis.journeys:
        labels.add(f"trip:{name_key(journey.leader)}" if journey.leader else f"trip:{journey.sending_country}")
    for person in analysis.people:
        labels.add(f"person:{name_key(person.name)}")
    for name in (analysis.dprk_lead, analysis.foreign_lead):
        if name:
            labels.add(f"person:{name_key(name)}")
    if analysis.kind == "visit" and not analysis.journeys:
        labels.add(f"trip:{analysis.direction}:{','.join(analysis.countries)}")
    labels.add(f"contact:{analysis.kind}:{','.join(sorted(analysis.countries))}")
    return sorted(store.lock_key(label) for label in labels)


def _fetch_article(article: Article) -> list[int]:
    """Fetch the article's page and extract its text; a feed URL is expanded into its entries instead."""
    result = fetch.fetch(article.url)
    if text.looks_like_feed(result.content, result.content_type):
        entries = ingest_feed(result.content, feed_url=result.final_url, source=article.source)
        return [a.pk for a in entries if a.pk != article.pk]
    page = text.extract_page(text.decode(result.content, result.charset), url=result.final_url)
    if not page.text:
        raise ValueError("parse error: no readable text in the page")
    article.text = page.text
    article.title = article.title or page.title
    article.published_at = article.published_at or page.published
    article.language = article.language or page.language
    article.fetched_at = timezone.now()
    article.status = Article.Status.FETCHED
    article.save(update_fields=["text", "title", "published_at", "language", "fetched_at", "status", "updated_at"])
    return []


def _analyze(article: Article):
    from ingest.pipeline.classify import ArticleInput, analyze

    return analyze(
        ArticleInput(
            id=str(article.pk),
            url=article.url,
            source=article.source_name,
            published=article.published_at.date() if article.published_at else None,
            title=article.title,
            text=article.text,
        )
    )


def _propose_and_apply(article: Article, analysis) -> tuple[str, str]:
    """Save proposals, apply those above the threshold; return the article's status and a summary.

    One transaction per article, under the advisory locks of the records it may touch (taken sorted, so
    two workers never wait on each other in a cycle).
    """
    threshold = settings.INGEST_AUTO_APPLY_THRESHOLD
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(key) FROM unnest(%s::bigint[]) AS key",
                           [_record_locks(analysis, article.pk)])
        # Reads only, so outside the history context (which prefixes every statement run in it).
        drafts = propose.proposals_build(article, analysis)
        with pghistory.context(source="ingest", article=article.pk):
            status, applied, pending = _drafts_apply(article, drafts, threshold)
    summary = f"{applied} applied, {pending} for review" if drafts else "relevant, but nothing to record"
    return status, summary


def _drafts_apply(article: Article, drafts: list, threshold: float) -> tuple[str, int, int]:
    """Save the drafts as proposals, apply those above the threshold, save the article; in the caller's
    transaction. Returns the article's status and how many proposals were applied and left pending."""
    applied = pending = 0
    trip = None  # the delegation of the proposal applied last: a later meeting happened during it
    with apply.evidence_deferred():  # the article's citations of every record, in one INSERT
        for draft in drafts:
            proposal = Proposal(
                article=article,
                action=draft.action,
                payload=draft.payload,
                confidence=draft.confidence,
                evidence=draft.evidence[:5000],
                delegation_id=draft.delegation_id,
            )
            if draft.confidence >= threshold:
                # The first trip of the article, dated by its own text: proposals_build has just found no
                # delegation for it and nothing has been applied since, so applying need not look again.
                new_trip = not applied and consolidate.journey_span(draft.payload.get("journey") or {}, None)[0]
                apply.proposal_apply(proposal, savepoint=False, new_trip=bool(new_trip),  # saved in one INSERT
                                     delegation=draft.delegation, trip=trip)
                trip = proposal.delegation if proposal.delegation_id else trip
                applied += 1
            else:
                proposal.save()
                pending += 1
    if applied:
        status = Article.Status.LINKED
    elif pending:
        status = Article.Status.PROPOSED
    else:
        status = Article.Status.IRRELEVANT
    article.status = status
    article.processed_at = timezone.now()
    article.failure_reason = ""
    article.save(update_fields=["classification", "extraction", "status", "processed_at", "failure_reason",
                                "updated_at"])
    return status, applied, pending


def _apply(article: Article, analysis) -> tuple[str, str]:
    try:
        return _propose_and_apply(article, analysis)
    except IntegrityError:
        # A place or person remembered earlier in the batch was merged or deleted meanwhile: look again.
        apply.caches_clear()
        return _propose_and_apply(article, analysis)


def _start(article_id: int) -> tuple[Article | None, Outcome | None]:
    """Claim an attempt in one statement; finished, failed and exhausted articles are not run again.

    The row lock the UPDATE takes also keeps a redelivered copy of the task from claiming the same
    attempt at the same moment.
    """
    claimed = list(
        Article.objects.raw(
            "UPDATE ingest_article SET attempts = attempts + 1, updated_at = now() "
            "WHERE id = %s AND status IN ('pending', 'fetched') AND attempts < %s RETURNING *",
            [article_id, MAX_ATTEMPTS],
        )
    )
    if claimed:
        return claimed[0], None
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return None, Outcome(article_id, "", "missing", "no such article")
    if article.status == Article.Status.FAILED:  # runs again only after article_retry (admin, --retry-failed)
        return None, Outcome(article.pk, article.url, article.status, article.failure_reason)
    if article.status in store.DONE_STATUSES:
        return None, Outcome(article.pk, article.url, article.status, "unchanged: already processed")
    last = f" (last error: {article.failure_reason})" if article.failure_reason else ""
    store.article_fail(article, f"gave up after {MAX_ATTEMPTS} attempts{last}")
    return None, Outcome(article.pk, article.url, article.status, article.failure_reason)


def _claim_fresh(article_ids: list[int]) -> list[Article]:
    """Claim the first attempt of every article of the batch never tried before, in one statement."""
    if not article_ids:
        return []
    claimed = {
        article.pk: article
        for article in Article.objects.raw(
            "UPDATE ingest_article SET attempts = attempts + 1, updated_at = now() "
            "WHERE id = ANY(%s::bigint[]) AND status IN ('pending', 'fetched') AND attempts = 0 RETURNING *",
            [article_ids],
        )
    }
    return [claimed[pk] for pk in article_ids if pk in claimed]


@contextmanager
def _exclusive(article_ids: list[int]):
    """Hold a session advisory lock on each article for a whole run; yields the ids locked.

    The attempt counter alone lets two deliveries of one task (or two parallel submissions) run side
    by side; the lock makes the second one step back. A killed worker's connection drops its locks.
    """
    if not article_ids:
        yield set()
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM unnest(%s::bigint[]) AS id WHERE pg_try_advisory_lock(%s::int, (id %% 2147483647)::int)",
            [article_ids, ARTICLE_LOCK],
        )
        locked = {row[0] for row in cursor.fetchall()}
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s::int, (id %% 2147483647)::int) FROM unnest(%s::bigint[]) AS id",
                    [ARTICLE_LOCK, sorted(locked)],
                )


def article_process(article_id: int, *, raise_transient: bool = False) -> Outcome:
    """Run one article through fetch, dedupe, analysis, proposals and records. Idempotent.

    Transient fetch errors are re-raised when `raise_transient` (the caller retries them); otherwise,
    like parse errors, they mark the article failed with the reason.
    """
    [outcome] = articles_process([article_id], retry_transient=raise_transient)
    if outcome.status == RETRY:
        raise TransientFetchError(outcome.detail)
    return outcome


def articles_process(article_ids: Iterable[int], *, retry_transient: bool = False) -> list[Outcome]:
    """Run a batch of articles through fetch, dedupe, analysis, proposals and records. Idempotent.

    Returns one Outcome per id, in order. Articles another run holds are left to it ("busy"). Articles
    never tried before are claimed together and run as a batch; an article tried before and not
    finished (its worker died, or it waits for a retry) runs alone, so that an article which kills its
    worker is the only one that uses up its attempts. One article failing never fails the others: it
    ends failed with its reason. With `retry_transient`, an article whose fetch failed for a transient
    reason (and has attempts left) is left for a retry, with the outcome status RETRY.
    """
    ids = list(dict.fromkeys(int(pk) for pk in article_ids))
    apply.caches_clear()
    outcomes: dict[int, Outcome] = {}
    with _exclusive(ids) as locked:
        for article_id in ids:
            if article_id not in locked:
                outcomes[article_id] = Outcome(article_id, "", "busy", "being processed by another worker")
        mine = [pk for pk in ids if pk in locked]
        outcomes.update(_run(_claim_fresh(mine), retry_transient=retry_transient))
        for article_id in mine:
            if article_id not in outcomes:
                article, outcome = _start(article_id)
                outcomes[article_id] = outcome or _run([article], retry_transient=retry_transient)[article_id]
    return [outcomes[pk] for pk in ids]


def _failed(article: Article, exc: Exception, *, retry_transient: bool) -> Outcome:
    """Record why an article failed (or, for a transient error with attempts left, that it waits for a retry)."""
    if isinstance(exc, SoftTimeLimitExceeded):
        raise exc  # the task is out of time: not this article's fault (the task re-queues what is left)
    if isinstance(exc, TransientFetchError):
        if retry_transient and article.attempts < MAX_ATTEMPTS:
            reason = f"will retry: {exc}"[:2000]
            Article.objects.filter(pk=article.pk).update(failure_reason=reason)
            return Outcome(article.pk, article.url, RETRY, reason)
        store.article_fail(article, f"temporary error, retry later: {exc}")
    elif isinstance(exc, FetchError):
        store.article_fail(article, str(exc))
    else:  # a parse or extraction bug must not lose the article: keep it with the error
        store.article_fail(article, f"error: {type(exc).__name__}: {exc}")
    return Outcome(article.pk, article.url, article.status, article.failure_reason)


def _run(articles: list[Article], *, retry_transient: bool) -> dict[int, Outcome]:
    """The steps for claimed articles: fetch, keys and duplicates, analysis, proposals and records."""
    outcomes: dict[int, Outcome] = {}
    ready = []
    for article in articles:
        try:
            if not article.text:
                follow_up = _fetch_article(article)
                if follow_up or not article.text:
                    detail = f"a feed: {len(follow_up)} entries stored"
                    article.status, article.processed_at = Article.Status.IRRELEVANT, timezone.now()
                    article.classification = {"relevant": False, "reasons": [detail]}
                    article.save(update_fields=["status", "processed_at", "classification", "updated_at"])
                    outcomes[article.pk] = Outcome(article.pk, article.url, article.status, detail, follow_up)
                    continue
            ready.append(article)
        except Exception as exc:
            outcomes[article.pk] = _failed(article, exc, retry_transient=retry_transient)
    originals = _set_keys(ready, outcomes)
    irrelevant = []
    for article in ready:
        if article.pk in outcomes:
            continue
        try:
            original = originals.get(article.pk)
            if original is not None:
                outcomes[article.pk] = _mark_copy(article, original)
                continue
            analysis = _analyze(article)
            article.classification, article.extraction = propose.analysis_to_json(analysis)
            if not analysis.relevant:
                irrelevant.append(article)
                outcomes[article.pk] = Outcome(article.pk, article.url, Article.Status.IRRELEVANT,
                                               "; ".join(analysis.reasons[:3]))
                continue
            status, summary = _apply(article, analysis)
            outcomes[article.pk] = Outcome(article.pk, article.url, status, summary)
        except Exception as exc:
            if article.classification and article.status != Article.Status.FAILED:
                # Keep what the analysis found for the editor who looks into the failure.
                Article.objects.filter(pk=article.pk).update(classification=article.classification,
                                                             extraction=article.extraction)
            outcomes[article.pk] = _failed(article, exc, retry_transient=retry_transient)
    _save_irrelevant(irrelevant, outcomes)
    return outcomes


def _set_keys(articles: list[Article], outcomes: dict[int, Outcome]) -> dict[int, Article | None]:
    """Hash and fingerprint the batch in one transaction; should that fail, article by article."""
    try:
        return store.articles_set_keys(articles)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        originals: dict[int, Article | None] = {}
        for article in articles:
            try:
                originals.update(store.articles_set_keys([article]))
            except Exception as exc:
                outcomes[article.pk] = _failed(article, exc, retry_transient=False)
        return originals


def _mark_copy(article: Article, original: Article) -> Outcome:
    how = "same text" if original.content_hash == article.content_hash else "near-identical text"
    with transaction.atomic(), pghistory.context(source="ingest", article=article.pk):
        apply.citations_lock(original.pk)
        store.article_mark_duplicate(article, original, f"{how} as article {original.pk}")
        apply.evidence_cite_duplicates(article)
    return Outcome(article.pk, article.url, article.status, f"copy of {original.url}")


def _save_irrelevant(articles: list[Article], outcomes: dict[int, Outcome]) -> None:
    """Save the irrelevant articles of a batch with their analysis, in one statement."""
    if not articles:
        return
    now = timezone.now()
    for article in articles:
        article.status, article.processed_at, article.failure_reason, article.updated_at = (
            Article.Status.IRRELEVANT, now, "", now
        )
    fields = ["classification", "extraction", "status", "processed_at", "failure_reason", "updated_at"]
    try:
        Article.objects.bulk_update(articles, fields)
    except Exception:
        for article in articles:  # one at a time, so one unsavable article fails alone
            try:
                article.save(update_fields=fields)
            except Exception as exc:
                outcomes[article.pk] = _failed(article, exc, retry_transient=False)


def article_retry(article: Article) -> None:
    """Make a failed (or stuck) article runnable again: clears its error and its attempts."""
    article.status = Article.Status.FETCHED if article.text else Article.Status.PENDING
    article.failure_reason = ""
    article.attempts = 0
    article.save(update_fields=["status", "failure_reason", "attempts", "updated_at"])


def batches(article_ids: Iterable[int]) -> list[list[int]]:
    """The ids in worker-sized batches: BATCH_SIZE articles that have their text, FETCH_BATCH_SIZE whose
    page must be fetched first (a fetch may take up to fetch.TOTAL_DEADLINE)."""
    ids = list(dict.fromkeys(article_ids))
    to_fetch = set(Article.objects.filter(pk__in=ids, text="").values_list("pk", flat=True))
    return _chunks([pk for pk in ids if pk not in to_fetch], BATCH_SIZE) + _chunks(
        [pk for pk in ids if pk in to_fetch], FETCH_BATCH_SIZE
    )


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    # A small input is spread over at least BATCH_SPREAD tasks, so that every worker process gets a share.
    size = max(1, min(size, -(-len(ids) // BATCH_SPREAD)))
    return [ids[i : i + size] for i in range(0, len(ids), size)]


# Sources -------------------------------------------------------------------------------------------


POLL_SLACK = timedelta(seconds=30)  # half of beat's one-minute tick


def sources_due(now: datetime | None = None):
    """Active sources whose polling interval has elapsed (or that were never polled).

    "Elapsed" with half a beat tick of slack: a poll is recorded when it runs, a moment after the tick
    that queued it, so without slack the next tick one interval later would find it a moment early, and
    every source would be polled one interval plus one minute apart.
    """
    now = (now or timezone.now()) + POLL_SLACK
    # A source that keeps failing waits twice as long after each failure (up to 64 intervals).
    backoff = Power(Value(2), Least(Greatest(F("consecutive_failures") - 1, Value(0)), Value(6)))
    wait_minutes = ExpressionWrapper(F("interval_minutes") * backoff, output_field=FloatField())
    next_poll = ExpressionWrapper(
        F("last_polled_at")
        + Func(wait_minutes, template="(%(expressions)s) * interval '1 minute'", output_field=DurationField()),
        output_field=DateTimeField(),
    )
    return Source.objects.filter(active=True).alias(next_poll=next_poll).filter(
        Q(last_polled_at__isnull=True) | Q(next_poll__lte=now)
    )


def source_poll(source_id: int) -> list[int]:
    """Poll one source with a conditional GET, store new articles, record its health; return ids to process."""
    source = Source.objects.get(pk=source_id)
    now = timezone.now()
    try:
        result = fetch.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        articles = [] if result.not_modified else _ingest_fetched(result, source=source)
    except Exception as exc:  # recorded as the source's health; the next poll tries again
        Source.objects.filter(pk=source.pk).update(
            last_polled_at=now, last_error_at=now, last_error=str(exc)[:2000],
            consecutive_failures=F("consecutive_failures") + 1,
        )
        return []
    Source.objects.filter(pk=source.pk).update(
        last_polled_at=now,
        last_success_at=now,
        consecutive_failures=0,
        etag=(result.etag or source.etag)[:500] if not result.not_modified else source.etag,
        last_modified=(result.last_modified or source.last_modified)[:100],
    )
    return [a.pk for a in articles if a.status not in store.DONE_STATUSES and a.status != Article.Status.FAILED]


def process_all(article_ids: Iterable[int]) -> list[Outcome]:
    """Process articles synchronously in batches, following feeds a URL turned out to be (the command)."""
    outcomes = []
    queue = list(dict.fromkeys(article_ids))
    seen: set[int] = set()
    while queue:
        batch = [pk for pk in dict.fromkeys(queue[:BATCH_SIZE]) if pk not in seen]
        queue = queue[BATCH_SIZE:]
        seen.update(batch)
        for outcome in articles_process(batch):
            outcomes.append(outcome)
            queue.extend(outcome.follow_up)
    return outcomes


def unfinished(article_ids: Iterable[int]) -> list[int]:
    """The articles among these still waiting to be processed (pending or fetched)."""
    ids = list(article_ids)
    waiting = set(Article.objects.filter(pk__in=ids, status__in=[Article.Status.PENDING, Article.Status.FETCHED])
                  .values_list("pk", flat=True))
    return [pk for pk in ids if pk in waiting]


def wait_until_done(article_ids: Iterable[int], *, timeout: float = 600.0, poll: float = 0.2) -> bool:
    """Wait until every article has left pending/fetched (used by benchmarks and the demo loader)."""
    ids = list(article_ids)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Article.objects.filter(pk__in=ids, status__in=[Article.Status.PENDING, Article.Status.FETCHED]).exists():
            return True
        time.sleep(poll)
    return False


__all__ += ["articles_process", "batches", "ingest_feed", "process_all", "unfinished", "wait_until_done", "dedupe"]
