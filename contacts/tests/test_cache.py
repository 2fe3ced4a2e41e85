"""Cached pages: rebuilt once per data version; while one request rebuilds, the others get the page before."""

from __future__ import annotations

import hashlib

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.urls import reverse

from contacts import pagecache
from contacts.models import Contact
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("analyst", password="pw"))
    return client


def test_a_page_is_built_once_per_data_version():
    builds = []
    ContactFactory(summary="First")
    assert pagecache.cached("test-page", "q=1", lambda: builds.append(1) or "v1") == "v1"
    assert pagecache.cached("test-page", "q=1", lambda: builds.append(1) or "again") == "v1"
    ContactFactory(summary="Second")
    assert pagecache.cached("test-page", "q=1", lambda: builds.append(1) or "v2") == "v2"
    assert len(builds) == 2


def test_while_one_request_rebuilds_the_others_get_the_previous_page():
    ContactFactory(summary="First")
    pagecache.cached("test-herd", "q=2", lambda: "old page")
    ContactFactory(summary="Second")  # a new data version
    digest = hashlib.sha1(b"q=2").hexdigest()
    cache.add(f"test-herd:{digest}:building", "someone", 30)  # another request is building it
    try:
        assert pagecache.cached("test-herd", "q=2", lambda: pytest.fail("built twice at once")) == "old page"
    finally:
        cache.delete(f"test-herd:{digest}:building")
    assert pagecache.cached("test-herd", "q=2", lambda: "new page") == "new page"


def test_a_request_reads_the_data_version_once_and_a_worker_every_time(settings):
    """A page's cached parts share one version; outside requests (ingest, commands) nothing is remembered."""
    settings.DATA_VERSION_SECONDS = 60
    cache.set(pagecache.VERSION_KEY, "1.1", 60)
    request_started.send(sender=None)
    try:
        assert pagecache.data_version() == "1.1"
        cache.set(pagecache.VERSION_KEY, "1.2", 60)  # another process read a newer version meanwhile
        assert pagecache.data_version() == "1.1"
    finally:
        request_finished.send(sender=None)
    assert pagecache.data_version() == "1.2"
    cache.set(pagecache.VERSION_KEY, "1.3", 60)
    assert pagecache.data_version() == "1.3"


def test_the_cache_reuses_its_redis_client():
    assert cache._cache.get_client() is cache._cache.get_client()
    cache.set("client-check", "kept", 10)
    assert cache.get("client-check") == "kept"


def test_rebuilds_at_once_are_bounded_and_the_others_get_their_previous_page(settings):
    """Where pages may lag the data and no worker refreshes them, a few rebuild, the rest serve what they had."""
    settings.DATA_VERSION_SECONDS = 60
    ContactFactory(summary="First")
    pagecache.cached("test-slots", "q=a", lambda: "old a")
    ContactFactory(summary="Second")  # an ingest batch: a new data version
    cache.delete(pagecache.VERSION_KEY)
    slots = [f"rebuild-slot:{number}" for number in range(pagecache.REBUILD_SLOTS)]
    for slot in slots:  # other requests are rebuilding other pages
        assert cache.add(slot, 1, 30)
    try:
        assert pagecache.cached("test-slots", "q=a", lambda: pytest.fail("rebuilt beyond the limit")) == "old a"
        # A page never built before has nothing to fall back on: it is built at once.
        assert pagecache.cached("test-slots", "q=new", lambda: "first build") == "first build"
    finally:
        cache.delete_many(slots)
    assert pagecache.cached("test-slots", "q=a", lambda: "new a") == "new a"
    assert all(cache.get(slot) is None for slot in slots)  # the rebuild gave its slot back


def test_a_stale_page_is_served_while_it_is_refreshed_in_the_background(analyst, settings, monkeypatch):
    """After an ingest batch the analyst gets the page as it was at once; the refresh builds the new one."""
    settings.DATA_VERSION_SECONDS = 60
    queued = []
    monkeypatch.setattr("contacts.tasks.refresh_page.apply_async", lambda args, **options: queued.append(args[0]))
    ContactFactory(summary="Talks on trade")
    url = reverse("contacts:list") + "?kind=meeting"
    assert "Talks on trade" in analyst.get(url).content.decode()
    ContactFactory(summary="Talks on fisheries", kind=Contact.Kind.MEETING)  # written by the ingest
    cache.delete(pagecache.VERSION_KEY)  # the version is read again

    page = analyst.get(url).content.decode()
    assert "Talks on trade" in page and "Talks on fisheries" not in page
    assert len(queued) == 1 and queued[0]["QUERY_STRING"] == "kind=meeting"
    analyst.get(url)
    assert len(queued) == 1  # one refresh per page and data version

    pagecache.page_refresh(queued[0])  # what the worker runs
    assert "Talks on fisheries" in analyst.get(url).content.decode()


def test_an_overdue_refresh_is_built_by_the_web(analyst, settings, monkeypatch):
    """No worker took the refresh: once it is overdue, the next analyst's request builds the page."""
    settings.DATA_VERSION_SECONDS = 60
    monkeypatch.setattr("contacts.tasks.refresh_page.apply_async", lambda args, **options: None)
    ContactFactory(summary="Talks on trade")
    url = reverse("contacts:list")
    analyst.get(url)
    ContactFactory(summary="Talks on fisheries")
    cache.delete(pagecache.VERSION_KEY)
    assert "Talks on fisheries" not in analyst.get(url).content.decode()
    monkeypatch.setattr(pagecache, "REFRESH_GRACE_SECONDS", 0)
    assert "Talks on fisheries" in analyst.get(url).content.decode()
