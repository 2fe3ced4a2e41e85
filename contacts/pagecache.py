"""Analysts' pages cached as built values (HTML, encoded JSON) per query and data version.

`cached(name, query, build)` returns `build()` from Redis while the data behind the pages has not
changed. When an ingest changes it, every page is stale at once. Where pages may lag the data
(DATA_VERSION_SECONDS > 0), a stale page is served as it was while it is rebuilt in the background:
the request that finds it stale queues `contacts.tasks.refresh_page` for its URL on the Celery workers
(which run below the web server's CPU priority), so analysts neither wait for nor share the CPU with a
wave of rebuilds. Without a worker the web rebuilds the page itself once the refresh is overdue, one
page at a time across all processes. After an edit made through the web, pages are built at once.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.db import connection
from django.dispatch import receiver
from django.urls import Resolver404, resolve
from django_htmx.middleware import HtmxDetails

logger = logging.getLogger(__name__)
T = TypeVar("T")

PAGE_CACHE_SECONDS = 600

# Every table whose rows the cached pages show: an official's page lists the contacts of the
# delegations joined, the timeline and the map show people's, places' and countries' names, and a
# delegation's change history lists its sources' changes too.
VERSION_TABLES = (
    "contacts_contactevent",
    "contacts_delegationevent",
    "contacts_participantevent",
    "contacts_delegationmemberevent",
    "contacts_evidenceevent",
    "contacts_personevent",
    "contacts_placeevent",
    "contacts_countryevent",
)

VERSION_KEY = "data-version"
# The data version an edit made through the web produced: pages of it are never served stale.
EDITED_KEY = "data-version-edited"

# How long one request may take to build a page while others are served the version before it.
BUILD_LOCK_SECONDS = 30
# Pages rebuilt at once by the web processes, across all of them, while a previous version can be
# served instead: one leaves the other core to the requests.
REBUILD_SLOTS = 1
# A stale page whose background refresh has not come within this many seconds (no worker running,
# a long queue) is rebuilt by the web.
REFRESH_GRACE_SECONDS = 20


def data_version_read() -> str:
    """Changes whenever a row behind the cached pages (VERSION_TABLES) is added, edited or deleted.

    Every such change writes a pghistory event (triggers catch bulk and raw SQL writes too), so the
    newest event ids are a version number read from primary-key indexes in well under a millisecond.
    """
    # The database's own oid leads: a database dropped and created again under the same name (a test
    # run, a restore) starts its event ids over, and must not meet the pages cached for the old one.
    selects = ", ".join(f"(SELECT max(pgh_id) FROM {table})" for table in VERSION_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT oid FROM pg_database WHERE datname = current_database()), {selects}")
        return ".".join(str(value or 0) for value in cursor.fetchone())


def data_version() -> str:
    """The data version the cached pages are keyed by, read again at most every DATA_VERSION_SECONDS.

    A running ingest writes every second or two; keyed by the exact version, every page would be
    rebuilt after each batch, so analysts' pages may lag an ingest by those few seconds. An edit made
    through the web refreshes it at once (`data_version_refresh`, called by DataVersionMiddleware), so
    editors always see their own corrections.
    """
    seconds = getattr(settings, "DATA_VERSION_SECONDS", 0)
    if seconds <= 0:
        return data_version_read()
    # A page asks for it once per cached part (list, counts, facets): one read per request is enough.
    if getattr(_request, "active", False) and _request.version is not None:
        return _request.version
    try:
        version = cache.get(VERSION_KEY)
    except Exception:
        logger.warning("cache unavailable", exc_info=True)
        return data_version_read()
    if version is None:
        version = data_version_read()
        try:
            cache.set(VERSION_KEY, version, seconds)
        except Exception:
            logger.warning("cache unavailable", exc_info=True)
    if getattr(_request, "active", False):
        _request.version = version
    return version


def data_version_refresh() -> None:
    """After an edit made through the web: the next pages read the new version and show the edit."""
    _request.version = None
    try:
        cache.delete(VERSION_KEY)
        if getattr(settings, "DATA_VERSION_SECONDS", 0) > 0:
            cache.set(EDITED_KEY, data_version(), PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("cache unavailable", exc_info=True)


# The request this thread is serving: the data version it saw, and its URL for a background refresh.
# Outside requests (workers, commands) nothing is remembered.
_request = threading.local()


# What a page's cache keys can depend on: its URL (the JSON API's links are absolute) and whether it
# was asked for by HTMX.
REQUEST_KEYS = ("PATH_INFO", "QUERY_STRING", "SCRIPT_NAME", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT",
                "wsgi.url_scheme", "HTTP_X_FORWARDED_PROTO", "HTTP_HX_REQUEST")


@receiver(request_started)
def _request_begins(environ=None, **kwargs) -> None:
    _request.active, _request.version, _request.environ = True, None, None
    if environ and environ.get("REQUEST_METHOD") == "GET":
        _request.environ = {key: str(environ[key]) for key in REQUEST_KEYS if key in environ}


@receiver(request_finished)
def _request_ends(**kwargs) -> None:
    _request.active, _request.version, _request.environ = False, None, None


def cached(name: str, query: str, build: Callable[[], T], seconds: int = PAGE_CACHE_SECONDS) -> T:
    """`build()` cached per filter query string and data version; a cache outage only costs speed.

    When the data version moves, the value built for the previous version (kept under `latest`) is
    served while the page is refreshed in the background (see the module docstring); a value never
    built before is built by the request that needs it.
    """
    digest = hashlib.sha1(query.encode()).hexdigest()
    version = data_version()
    key = f"{name}:{digest}:" + hashlib.sha1(version.encode()).hexdigest()
    latest_key, lock_key = f"{name}:{digest}:latest", f"{name}:{digest}:building"
    slot = None
    # A value built inside another build (a page holding a cached list) or by a background refresh is
    # always current: the outer value is stored under the new version and must not hold an older one.
    current = getattr(_building, "depth", 0) > 0 or getattr(_building, "refreshing", False)
    may_lag = getattr(settings, "DATA_VERSION_SECONDS", 0) > 0
    try:
        value = cache.get(key)
        if value is not None:
            return value
        previous = None if current else cache.get(latest_key)
        if previous is not None and may_lag and cache.get(EDITED_KEY) != version:
            if _refresh_queued(version):
                return previous
            slot = _rebuild_slot_take()
            if slot is None:
                return previous
        if not cache.add(lock_key, version, BUILD_LOCK_SECONDS) and previous is not None:
            _rebuild_slot_release(slot)
            return previous
    except Exception:
        logger.warning("cache unavailable", exc_info=True)
        return build()
    _building.depth = getattr(_building, "depth", 0) + 1
    try:
        value = build()
    finally:
        _building.depth -= 1
        try:
            cache.delete(lock_key)
            _rebuild_slot_release(slot)
        except Exception:
            logger.warning("cache unavailable", exc_info=True)
    try:
        cache.set_many({key: value, latest_key: value}, seconds)
    except Exception:
        logger.warning("cache unavailable", exc_info=True)
    return value


_building = threading.local()


def _refresh_queued(version: str) -> bool:
    """Queue a background refresh of the page being served, once per data version; True while one is
    queued and not yet overdue, so the caller may serve the stale page."""
    environ = getattr(_request, "environ", None) if getattr(_request, "active", False) else None
    if not environ:
        return False
    request_id = "|".join(environ.get(key, "") for key in REQUEST_KEYS)
    marker = "refresh:" + hashlib.sha1(f"{version}|{request_id}".encode()).hexdigest()
    if cache.add(marker, time.time(), REFRESH_GRACE_SECONDS * 10):
        from contacts.tasks import refresh_page

        try:
            refresh_page.apply_async((environ,), expires=REFRESH_GRACE_SECONDS * 5)
        except Exception:  # no broker: the web rebuilds the page itself
            logger.warning("could not queue a page refresh", exc_info=True)
            cache.delete(marker)
            return False
        return True
    queued_at = cache.get(marker)
    return queued_at is not None and time.time() - queued_at < REFRESH_GRACE_SECONDS


def page_refresh(environ: dict[str, str]) -> None:
    """Build the stale cached parts of one analyst page, as a reader opening it would.

    `environ` is what `_request_begins` kept of the analyst's request. The page is rendered and thrown
    away; what counts is what `cached` stored on the way. Runs on a worker (contacts.tasks.refresh_page).
    """
    request = WSGIRequest({**environ, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()})
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return
    # A reader, never an editor: the pages editors see differ only by their edit links and are
    # rebuilt when an editor opens them.
    request.user = get_user_model()(username="page-refresh", is_active=True)
    request.htmx = HtmxDetails(request)
    request.resolver_match = match
    with refreshing():
        match.func(request, *match.args, **match.kwargs)


def _rebuild_slot_take() -> str | None:
    for number in range(REBUILD_SLOTS):
        slot = f"rebuild-slot:{number}"
        if cache.add(slot, 1, BUILD_LOCK_SECONDS):
            return slot
    return None


def _rebuild_slot_release(slot: str | None) -> None:
    if slot is not None:
        cache.delete(slot)


@contextmanager
def refreshing() -> Iterator[None]:
    """Within it, `cached` builds every stale value it meets instead of serving the previous one."""
    _building.refreshing = True
    try:
        yield
    finally:
        _building.refreshing = False
