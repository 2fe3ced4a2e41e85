"""A feed that times out or answers 500: the source shows the error, and polling it again waits longer.

These run in-process (no worker): `source_poll` is what the `ingest.poll_source` task calls, and
`sources_due` is what beat's `ingest.poll_due_sources` uses to pick the sources to poll.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from ingest import pipeline
from ingest.models import Source
from ingest.pipeline import fetch

pytestmark = pytest.mark.django_db
FEED = ('<?xml version="1.0"?><rss version="2.0"><channel><title>W</title><item><title>T</title>'
        "<link>http://127.0.0.1:9/x</link><description>Short.</description></item></channel></rss>")


@pytest.fixture
def source(settings, httpserver):
    settings.INGEST_ALLOW_PRIVATE_NETWORKS = True
    return Source.objects.create(name="Flaky wire", url=httpserver.url_for("/feed.xml"), interval_minutes=30)


def test_500_is_recorded_on_the_source_and_cleared_by_a_success(source, httpserver):
    httpserver.expect_oneshot_request("/feed.xml").respond_with_data("down", status=500)
    httpserver.expect_oneshot_request("/feed.xml").respond_with_data("down", status=503)
    assert pipeline.source_poll(source.pk) == []
    assert pipeline.source_poll(source.pk) == []
    source.refresh_from_db()
    assert source.consecutive_failures == 2
    assert "HTTP 503" in source.last_error and source.last_error_at is not None
    assert source.last_success_at is None
    httpserver.expect_oneshot_request("/feed.xml").respond_with_data(FEED, content_type="application/rss+xml")
    assert len(pipeline.source_poll(source.pk)) == 1
    source.refresh_from_db()
    assert source.consecutive_failures == 0 and source.last_success_at is not None


def test_timeout_is_recorded_on_the_source(source, httpserver, monkeypatch):
    monkeypatch.setattr(fetch, "READ_TIMEOUT", 0.5)  # the server below answers after 2 s

    def slow(request):
        time.sleep(2)
        from werkzeug import Response

        return Response(FEED, content_type="application/rss+xml")

    httpserver.expect_request("/feed.xml").respond_with_handler(slow)
    assert pipeline.source_poll(source.pk) == []
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    assert "timeout" in source.last_error


def test_a_failing_source_is_polled_again_at_its_interval(source, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data("down", status=500)
    pipeline.source_poll(source.pk)
    now = timezone.now()
    assert source not in pipeline.sources_due(now + timedelta(minutes=29))
    assert source in pipeline.sources_due(now + timedelta(minutes=31))


def test_a_source_failing_again_and_again_backs_off(source, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data("down", status=500)
    for _ in range(4):
        pipeline.source_poll(source.pk)
    source.refresh_from_db()
    assert source.consecutive_failures == 4
    # After four failures in a row the next poll should wait longer than the normal 30 minutes.
    assert source not in pipeline.sources_due(source.last_polled_at + timedelta(minutes=31))
