"""Celery tasks run in-process with .apply(): thin, idempotent, retrying only transient errors."""

from __future__ import annotations

from datetime import date

import pytest
from django_celery_beat.models import PeriodicTask

from contacts.models import Contact, Delegation, Evidence
from ingest import pipeline
from ingest.models import Article, Proposal, Source
from ingest.tasks import poll_due_sources, poll_schedule_ensure, process_article, process_articles
from ingest.tests.conftest import make_analysis, tour_journey

pytestmark = pytest.mark.django_db

REPORT = "Pyongyang, March 25 (KCNA) -- The delegation of the WPK arrived in Hanoi on Monday. " * 3


def snapshot() -> dict:
    return {
        "articles": list(Article.objects.values_list("pk", "status", "attempts", "updated_at").order_by("pk")),
        "proposals": list(Proposal.objects.values_list("pk", "status").order_by("pk")),
        "delegations": list(Delegation.objects.values_list("pk", "updated_at").order_by("pk")),
        "contacts": list(Contact.objects.values_list("pk", "updated_at").order_by("pk")),
        "evidence": Evidence.objects.count(),
    }


def test_task_run_twice_leaves_the_same_rows(scripted):
    scripted["Hanoi"] = make_analysis(journeys=[tour_journey("Kim Song Nam", ("VN", "Hanoi", date(2024, 3, 25)))])
    article = pipeline.ingest_text(text_body=REPORT, url="https://kcna.example/1", published="2024-03-25")
    assert process_article.apply(args=[article.pk]).get() == "linked"
    first = snapshot()
    assert process_article.apply(args=[article.pk]).get() == "linked"
    assert snapshot() == first


def test_transient_errors_are_retried_then_given_up(httpserver, allow_private, scripted):
    httpserver.expect_request("/down").respond_with_data(b"", status=503)
    article, _ = pipeline.store.article_get_or_create(url=httpserver.url_for("/down"))
    process_article.apply(args=[article.pk])  # eager retries run at once, backoff aside
    article.refresh_from_db()
    assert len(httpserver.log) == pipeline.MAX_ATTEMPTS
    assert article.status == Article.Status.FAILED
    assert article.failure_reason.startswith("temporary error, retry later: HTTP 503")


def test_parse_errors_are_not_retried(httpserver, allow_private):
    httpserver.expect_request("/empty").respond_with_data(b"<html><body></body></html>", content_type="text/html")
    article, _ = pipeline.store.article_get_or_create(url=httpserver.url_for("/empty"))
    process_article.apply(args=[article.pk])
    article.refresh_from_db()
    assert len(httpserver.log) == 1
    assert article.attempts == 1
    assert article.status == Article.Status.FAILED and "no readable text" in article.failure_reason


def test_beat_schedule_polls_due_sources(httpserver, allow_private, scripted, eager_celery):
    poll_schedule_ensure()
    poll_schedule_ensure()  # idempotent
    entry = PeriodicTask.objects.get(name="Poll due sources")
    assert (entry.task, entry.interval.every, entry.interval.period, entry.enabled) == (
        "ingest.poll_due_sources", 1, "minutes", True
    )
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><title>One</title>'
        f"<link>{httpserver.url_for('/1')}</link><description>{'A long enough entry text. ' * 30}</description>"
        "</item></channel></rss>"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    Source.objects.create(name="Wire", url=httpserver.url_for("/feed.xml"))
    Source.objects.create(name="Paused", url="https://paused.example/feed", active=False)
    assert poll_due_sources.apply().get() == 1
    assert Article.objects.get().status == Article.Status.IRRELEVANT
    assert poll_due_sources.apply().get() == 0  # polled a moment ago: not due


def test_batch_task_run_twice_leaves_the_same_rows(scripted):
    scripted["Hanoi"] = make_analysis(journeys=[tour_journey("Kim Song Nam", ("VN", "Hanoi", date(2024, 3, 25)))])
    ids = [pipeline.ingest_text(text_body=REPORT.replace("Monday", day), url=f"https://kcna.example/{day}",
                                published="2024-03-25").pk for day in ("Monday", "Sunday", "Tuesday")]
    ids.append(pipeline.ingest_text(text_body="Weather: sunny in Pyongyang all week. " * 5,
                                    url="https://kcna.example/weather").pk)
    assert process_articles.apply(args=[ids]).get() == {"linked": 3, "irrelevant": 1}
    first = snapshot()
    assert process_articles.apply(args=[ids]).get() == {"linked": 3, "irrelevant": 1}
    assert snapshot() == first


def test_batch_retries_only_the_article_a_transient_error_hit(httpserver, allow_private, scripted):
    httpserver.expect_request("/down").respond_with_data(b"", status=503)
    httpserver.expect_request("/fine").respond_with_data(
        f"<html><body><article><p>{REPORT}</p></article></body></html>", content_type="text/html")
    scripted["Hanoi"] = make_analysis(journeys=[tour_journey("Kim Song Nam", ("VN", "Hanoi", date(2024, 3, 25)))])
    down, _ = pipeline.store.article_get_or_create(url=httpserver.url_for("/down"))
    fine, _ = pipeline.store.article_get_or_create(url=httpserver.url_for("/fine"))
    process_articles.apply(args=[[down.pk, fine.pk]])  # eager retries run at once, backoff aside
    down.refresh_from_db()
    fine.refresh_from_db()
    hits = [request.path for request, _ in httpserver.log]
    assert hits.count("/down") == pipeline.MAX_ATTEMPTS and hits.count("/fine") == 1
    assert down.status == Article.Status.FAILED and down.failure_reason.startswith("temporary error")
    assert fine.status == Article.Status.LINKED and fine.attempts == 1
