"""The whole pipeline against a real local HTTP server and the real database."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug import Response

from contacts.models import Contact, Delegation, Evidence, Person
from ingest import pipeline
from ingest.models import Article, Proposal, Source
from ingest.tests.conftest import make_analysis, tour_journey

pytestmark = pytest.mark.django_db

REPORT = (
    "Pyongyang, March 25 (KCNA) -- A delegation of the Workers' Party of Korea headed by Kim Song Nam, "
    "director of the International Department of the WPK Central Committee, arrived in Hanoi on Monday. "
    "It was greeted at the airport by Le Hoai Trung, head of the Commission for External Relations of the "
    "Communist Party of Vietnam Central Committee, and other officials. The delegation is visiting "
    "Vietnam at the invitation of the Communist Party of Vietnam, after its stay in China."
)


def page(title: str, body: str) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><nav>Home | World</nav>"
        f"<article><h1>{title}</h1><p>{body}</p></article><footer>(c) News site</footer></body></html>"
    )


def rss(*items: tuple[str, str, str]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><description>{summary}</description>"
        f"<pubDate>Mon, 25 Mar 2024 08:00:00 +0000</pubDate></item>"
        for title, link, summary in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Test wire</title>{entries}</channel></rss>'


def table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Article, Proposal, Delegation, Contact, Evidence, Person)
    }


@pytest.fixture
def hanoi(scripted):
    scripted["arrived in Hanoi"] = make_analysis(
        journeys=[tour_journey("Kim Song Nam", ("VN", "Hanoi", date(2024, 3, 25)))]
    )
    return scripted


def test_feed_to_records(httpserver, allow_private, hanoi):
    httpserver.expect_request("/news/1").respond_with_data(page("WPK delegation in Hanoi", REPORT),
                                                           content_type="text/html")
    httpserver.expect_request("/news/2").respond_with_data(page("Weather", "Sunny all week in Pyongyang. " * 20),
                                                           content_type="text/html")
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(("WPK delegation in Hanoi", httpserver.url_for("/news/1"), "A delegation arrived."),
            ("Weather", httpserver.url_for("/news/2"), "Sunny.")),
        content_type="application/rss+xml",
    )
    articles = pipeline.ingest_url(httpserver.url_for("/feed.xml"))
    assert [a.status for a in articles] == ["pending", "pending"]
    outcomes = pipeline.process_all([a.pk for a in articles])
    assert [o.status for o in outcomes] == ["linked", "irrelevant"]
    linked = Article.objects.get(url=httpserver.url_for("/news/1"))
    assert "headed by Kim Song Nam" in linked.text
    assert linked.published_at.date() == date(2024, 3, 25)
    assert linked.classification["reasons"] == ["scripted for the test"]
    delegation = Delegation.objects.get()
    assert delegation.leader.name == "Kim Song Nam"
    assert [(v.country.iso2, v.place.name) for v in delegation.contacts.order_by("itinerary_order")] == [
        ("VN", "Hanoi")
    ]
    assert Evidence.objects.filter(delegation=delegation, url=linked.url).exists()
    assert Evidence.objects.filter(contact__delegation=delegation, url=linked.url).exists()


def test_rerunning_changes_nothing(httpserver, allow_private, hanoi):
    httpserver.expect_request("/news/1").respond_with_data(page("WPK delegation in Hanoi", REPORT),
                                                           content_type="text/html")
    [article] = pipeline.ingest_url(httpserver.url_for("/news/1"))
    pipeline.process_all([article.pk])
    before = table_counts()
    article.refresh_from_db()
    state = (article.status, article.attempts, article.updated_at)
    again = pipeline.ingest_url(httpserver.url_for("/news/1?utm_source=twitter"))
    assert again[0].pk == article.pk
    outcomes = pipeline.process_all([article.pk])
    assert outcomes[0].detail == "unchanged: already processed"
    article.refresh_from_db()
    assert table_counts() == before
    assert (article.status, article.attempts, article.updated_at) == state


def test_same_report_on_another_site_is_a_duplicate_cited_as_evidence(httpserver, allow_private, hanoi):
    httpserver.expect_request("/kcna/1").respond_with_data(page("Delegation arrives", REPORT),
                                                           content_type="text/html")
    httpserver.expect_request("/mirror/99").respond_with_data(
        page("KCNA: WPK delegation arrives in Hanoi", "Source: KCNA Watch. " + REPORT + " (end)"),
        content_type="text/html",
    )
    [original] = pipeline.ingest_url(httpserver.url_for("/kcna/1"))
    [copy] = pipeline.ingest_url(httpserver.url_for("/mirror/99"))
    outcomes = pipeline.process_all([original.pk, copy.pk])
    assert [o.status for o in outcomes] == ["linked", "duplicate"]
    copy.refresh_from_db()
    assert copy.duplicate_of_id == original.pk
    assert Delegation.objects.count() == 1
    delegation = Delegation.objects.get()
    cited = set(Evidence.objects.filter(delegation=delegation).values_list("url", flat=True))
    assert cited == {original.url, copy.url}


def test_copy_processed_before_its_original_is_cited_when_the_original_applies(allow_private, hanoi):
    first = pipeline.ingest_text(text_body=REPORT, url="https://kcna.example/1", title="Delegation arrives")
    second = pipeline.ingest_text(text_body=REPORT + " ", url="https://mirror.example/1", title="Copy")
    # Same text: the second is a copy whichever runs first, and both URLs end up cited.
    pipeline.process_all([second.pk, first.pk])
    statuses = dict(Article.objects.values_list("url", "status"))
    assert sorted(statuses.values()) == ["duplicate", "linked"]
    assert set(Evidence.objects.filter(delegation__isnull=False, contact__isnull=True).values_list("url", flat=True)) == {
        "https://kcna.example/1", "https://mirror.example/1"
    }


def test_private_address_is_refused_and_kept_as_a_failed_article(refuse_private, httpserver):
    httpserver.expect_request("/page").respond_with_data(page("x", REPORT), content_type="text/html")
    [article] = pipeline.ingest_url(httpserver.url_for("/page"))
    assert article.status == Article.Status.FAILED
    assert "non-public address" in article.failure_reason
    assert httpserver.log == []


def test_malformed_feed_is_handled_with_a_reason(httpserver, allow_private):
    httpserver.expect_request("/bad.xml").respond_with_data(
        b'<?xml version="1.0"?><rss><channel><title>Broken &bogus; <item><title>',
        content_type="application/rss+xml",
    )
    [article] = pipeline.ingest_url(httpserver.url_for("/bad.xml"))
    assert article.status == Article.Status.FAILED
    assert article.failure_reason.startswith("parse error")


def test_non_utf8_page_is_decoded(httpserver, allow_private, scripted):
    body = "평양 3월 25일발 조선중앙통신 -- 김성남동지를 단장으로 하는 조선로동당 대표단이 하노이에 도착하였다. " * 3
    html = f'<html><head><meta charset="euc-kr"><title>대표단 도착</title></head><body><p>{body}</p></body></html>'
    httpserver.expect_request("/ko").respond_with_data(html.encode("euc-kr"), content_type="text/html")
    [article] = pipeline.ingest_url(httpserver.url_for("/ko"))
    pipeline.process_all([article.pk])
    article.refresh_from_db()
    assert "조선로동당 대표단" in article.text
    assert article.status == Article.Status.IRRELEVANT


def test_feed_entry_whose_page_is_gone_fails_with_the_reason_and_can_be_retried(httpserver, allow_private, hanoi):
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(("Delegation", httpserver.url_for("/gone"), "short")), content_type="application/rss+xml"
    )
    [article] = pipeline.ingest_url(httpserver.url_for("/feed.xml"))
    httpserver.expect_oneshot_request("/gone").respond_with_data(b"", status=404)
    pipeline.process_all([article.pk])
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED and "404" in article.failure_reason
    httpserver.expect_request("/gone").respond_with_data(page("Delegation", REPORT), content_type="text/html")
    pipeline.article_retry(article)
    pipeline.process_all([article.pk])
    article.refresh_from_db()
    assert article.status == Article.Status.LINKED


def test_poison_article_is_failed_after_three_attempts(scripted):
    article = pipeline.ingest_text(text_body=REPORT, url="https://kcna.example/poison")
    Article.objects.filter(pk=article.pk).update(attempts=pipeline.MAX_ATTEMPTS)
    outcome = pipeline.article_process(article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED
    assert outcome.detail.startswith("gave up after 3 attempts")


def test_extraction_error_keeps_the_article_with_the_error(monkeypatch):
    def broken(article):
        raise ValueError("unexpected dateline")

    monkeypatch.setattr("ingest.pipeline._analyze", broken)
    article = pipeline.ingest_text(text_body=REPORT, url="https://kcna.example/broken")
    pipeline.article_process(article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED
    assert "unexpected dateline" in article.failure_reason


def test_source_poll_uses_conditional_get_and_records_health(httpserver, allow_private, scripted):
    feed = rss(("Weather", httpserver.url_for("/w"), "Sunny all week in Pyongyang. " * 30))
    httpserver.expect_request("/feed.xml", headers={"If-None-Match": '"v1"'}).respond_with_response(
        Response(status=304)
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed, content_type="application/rss+xml", headers={"ETag": '"v1"'}
    )
    source = Source.objects.create(name="Test wire", url=httpserver.url_for("/feed.xml"))
    assert list(pipeline.sources_due()) == [source]
    first = pipeline.source_poll(source.pk)
    assert len(first) == 1
    source.refresh_from_db()
    assert source.etag == '"v1"' and source.last_success_at and source.consecutive_failures == 0
    assert list(pipeline.sources_due()) == []
    assert pipeline.source_poll(source.pk) == []  # 304
    assert Article.objects.count() == 1


def test_source_poll_failure_is_counted(httpserver, allow_private):
    httpserver.expect_request("/feed.xml").respond_with_data(b"", status=500)
    source = Source.objects.create(name="Flaky", url=httpserver.url_for("/feed.xml"))
    pipeline.source_poll(source.pk)
    pipeline.source_poll(source.pk)
    source.refresh_from_db()
    assert source.consecutive_failures == 2
    assert "HTTP 500" in source.last_error
    assert source.last_success_at is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_copy_marked_while_its_original_is_being_applied_is_still_cited(hanoi, monkeypatch):
    """The race: a copy is marked while its original's records are written but not committed.

    The copy must wait for the original (and then cite its records); before, the copy found no evidence
    to cite, the original had already listed its copies (none), and the copy's URL was never cited.
    """
    import threading

    from ingest.pipeline import trips

    original = pipeline.ingest_text(text_body=REPORT, url="https://kcna.example/1", title="Delegation arrives")
    inside, release = threading.Event(), threading.Event()
    renumber = trips.itinerary_renumber

    def slow_renumber(delegation, article=None, **options):
        if article is not None and article.pk == original.pk:
            inside.set()  # the original's evidence is written, not committed; its copies were listed
            release.wait(30)
        return renumber(delegation, article, **options)

    monkeypatch.setattr(trips, "itinerary_renumber", slow_renumber)

    def run(article_id):
        from django.db import connection

        try:
            pipeline.article_process(article_id)
        finally:
            connection.close()

    first = threading.Thread(target=run, args=(original.pk,))
    first.start()
    assert inside.wait(30)
    copy = pipeline.ingest_text(text_body=REPORT + " ", url="https://mirror.example/1", title="Copy")
    second = threading.Thread(target=run, args=(copy.pk,))
    second.start()
    second.join(1.5)
    waited = second.is_alive()  # the copy waits for its original's transaction
    release.set()
    first.join(30)
    second.join(30)
    assert waited
    assert dict(Article.objects.values_list("url", "status")) == {
        "https://kcna.example/1": "linked", "https://mirror.example/1": "duplicate"
    }
    delegation = Delegation.objects.get()
    cited = set(Evidence.objects.filter(delegation=delegation, contact=None).values_list("url", flat=True))
    assert cited == {"https://kcna.example/1", "https://mirror.example/1"}
    stop_cited = set(Evidence.objects.filter(contact__delegation=delegation).values_list("url", flat=True))
    assert stop_cited == {"https://kcna.example/1", "https://mirror.example/1"}


def test_copies_in_one_batch_all_point_to_the_first(hanoi):
    texts = [REPORT, "Source: KCNA Watch. " + REPORT, REPORT + " (end)", "Weather: sunny. " + REPORT + " More."]
    articles = [pipeline.ingest_text(text_body=t, url=f"https://site{i}.example/1", title=f"Copy {i}")
                for i, t in enumerate(texts)]
    outcomes = pipeline.articles_process([a.pk for a in articles])
    assert [o.status for o in outcomes] == ["linked", "duplicate", "duplicate", "duplicate"]
    assert set(Article.objects.filter(status="duplicate").values_list("duplicate_of_id", flat=True)) == {
        articles[0].pk
    }
    cited = set(Evidence.objects.filter(delegation__isnull=False, contact=None).values_list("url", flat=True))
    assert cited == {a.url for a in articles}


def test_one_failing_article_does_not_fail_its_batch(monkeypatch, hanoi):
    analyze = pipeline._analyze

    def broken_for_one(article):
        if "broken" in article.url:
            raise ValueError("unexpected dateline")
        return analyze(article)

    monkeypatch.setattr("ingest.pipeline._analyze", broken_for_one)
    articles = [
        pipeline.ingest_text(text_body=REPORT, url="https://kcna.example/1"),
        pipeline.ingest_text(text_body="Weather: sunny all week in Pyongyang. " * 5, url="https://kcna.example/broken"),
        pipeline.ingest_text(text_body="Sports: a football match in Pyongyang ended in a draw. " * 5,
                             url="https://kcna.example/3"),
    ]
    outcomes = pipeline.articles_process([a.pk for a in articles])
    assert [o.status for o in outcomes] == ["linked", "failed", "irrelevant"]
    broken = Article.objects.get(url="https://kcna.example/broken")
    assert broken.status == Article.Status.FAILED and "unexpected dateline" in broken.failure_reason
    assert Delegation.objects.count() == 1


def test_a_source_polled_a_moment_after_the_last_tick_is_due_at_the_next(scripted):
    """Beat ticks every minute; a poll is recorded when it runs, a moment after its tick. With a one-minute
    interval the next tick must poll again, not the one after (which would make the interval two minutes)."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    source = Source.objects.create(name="Wire", url="https://wire.example/feed.xml", interval_minutes=1,
                                   last_polled_at=now - timedelta(seconds=58))
    assert list(pipeline.sources_due(now)) == [source]
    Source.objects.filter(pk=source.pk).update(last_polled_at=now - timedelta(seconds=20))
    assert list(pipeline.sources_due(now)) == []
