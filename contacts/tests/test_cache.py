"""Cached pages: rebuilt once per data version; while one request rebuilds, the others get the page before."""

from __future__ import annotations

import hashlib

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started

from contacts import api
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_a_page_is_built_once_per_data_version():
    builds = []
    ContactFactory(summary="First")
    assert api.cached("test-page", "q=1", lambda: builds.append(1) or "v1") == "v1"
    assert api.cached("test-page", "q=1", lambda: builds.append(1) or "again") == "v1"
    ContactFactory(summary="Second")
    assert api.cached("test-page", "q=1", lambda: builds.append(1) or "v2") == "v2"
    assert len(builds) == 2


def test_while_one_request_rebuilds_the_others_get_the_previous_page():
    ContactFactory(summary="First")
    api.cached("test-herd", "q=2", lambda: "old page")
    ContactFactory(summary="Second")  # a new data version
    digest = hashlib.sha1(b"q=2").hexdigest()
    cache.add(f"test-herd:{digest}:building", "someone", 30)  # another request is building it
    try:
        assert api.cached("test-herd", "q=2", lambda: pytest.fail("built twice at once")) == "old page"
    finally:
        cache.delete(f"test-herd:{digest}:building")
    assert api.cached("test-herd", "q=2", lambda: "new page") == "new page"


def test_a_request_reads_the_data_version_once_and_a_worker_every_time(settings):
    """A page's cached parts share one version; outside requests (ingest, commands) nothing is remembered."""
    settings.DATA_VERSION_SECONDS = 60
    cache.set(api.VERSION_KEY, "1.1", 60)
    request_started.send(sender=None)
    try:
        assert api.data_version() == "1.1"
        cache.set(api.VERSION_KEY, "1.2", 60)  # another process read a newer version meanwhile
        assert api.data_version() == "1.1"
    finally:
        request_finished.send(sender=None)
    assert api.data_version() == "1.2"
    cache.set(api.VERSION_KEY, "1.3", 60)
    assert api.data_version() == "1.3"


def test_the_cache_reuses_its_redis_client():
    assert cache._cache.get_client() is cache._cache.get_client()
    cache.set("client-check", "kept", 10)
    assert cache.get("client-check") == "kept"


def test_rebuilds_at_once_are_bounded_and_the_others_get_their_previous_page():
    """When the data moves every page is stale at once: a few rebuild, the rest serve what they had."""
    ContactFactory(summary="First")
    api.cached("test-slots", "q=a", lambda: "old a")
    ContactFactory(summary="Second")
    slots = [f"rebuild-slot:{number}" for number in range(api.REBUILD_SLOTS)]
    for slot in slots:  # other requests are rebuilding other pages
        assert cache.add(slot, 1, 30)
    try:
        assert api.cached("test-slots", "q=a", lambda: pytest.fail("rebuilt beyond the limit")) == "old a"
        # A page never built before has nothing to fall back on: it is built at once.
        assert api.cached("test-slots", "q=new", lambda: "first build") == "first build"
    finally:
        cache.delete_many(slots)
    assert api.cached("test-slots", "q=a", lambda: "new a") == "new a"
    assert all(cache.get(slot) is None for slot in slots)  # the rebuild gave its slot back
