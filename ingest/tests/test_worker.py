"""Integration with a real Celery worker (prefork, 2 processes) on the real Redis: a feed item taken to a
record, an analyst's stale page refreshed in the background.

The worker is a subprocess pointed at this test run's database (pytest-django's `test_<name>`), so the
test uses a transactional database: rows must be committed for the worker to see them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from ingest.models import Article, Proposal, Source

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[2]
REPORT = (
    "Pyongyang, March 21 (KCNA) -- A delegation of the Workers' Party of Korea led by Kim Song Nam, director "
    "of the International Department of the WPK Central Committee, left here on Thursday to visit China, "
    "Vietnam and Laos at the invitation of the parties of the three countries. It was seen off at the airport "
    "by officials of the International Department."
)


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker():
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "INGEST_ALLOW_PRIVATE_NETWORKS": "1",
        # The same cache as this process (its prefix was taken from the database name before the test
        # database was renamed), so pages the worker builds are the ones the tests read.
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    }
    from config.celery import app

    app.control.purge()  # nothing left over from an earlier run
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "-c", "2", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for(predicate, timeout: float, process) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            raise AssertionError(f"worker exited: {process.stdout.read().decode(errors='replace')[-3000:]}")
        time.sleep(0.25)
    raise AssertionError("timed out waiting for the worker")


def test_feed_item_becomes_a_proposal_on_a_real_worker(worker, httpserver):
    httpserver.expect_request("/news/1").respond_with_data(
        f"<html><head><title>WPK delegation leaves</title></head><body><article><h1>WPK delegation leaves</h1>"
        f"<p>{REPORT}</p></article></body></html>",
        content_type="text/html",
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>KCNA test wire</title><item>'
        f"<title>WPK delegation leaves</title><link>{httpserver.url_for('/news/1')}</link>"
        "<description>A delegation left.</description><pubDate>Thu, 21 Mar 2024 06:00:00 +0000</pubDate>"
        "</item></channel></rss>",
        content_type="application/rss+xml",
    )
    source = Source.objects.create(name="KCNA test wire", url=httpserver.url_for("/feed.xml"))
    from ingest.tasks import poll_source

    poll_source.delay(source.pk)
    wait_for(lambda: Article.objects.exclude(status__in=["pending", "fetched"]).exists(), 180, worker)
    article = Article.objects.get()
    assert article.status in (Article.Status.LINKED, Article.Status.PROPOSED), article.failure_reason
    assert "Kim Song Nam" in article.text
    assert Proposal.objects.filter(article=article).exists()
    source.refresh_from_db()
    assert source.last_success_at is not None


def test_the_worker_runs_below_the_web_servers_cpu_priority(worker):
    """Analysts' pages get the CPU first while an ingest runs (WORKER_NICENESS)."""
    expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + settings.WORKER_NICENESS)
    assert settings.WORKER_NICENESS > 0
    wait_for(lambda: os.getpriority(os.PRIO_PROCESS, worker.pid) == expected, 60, worker)


def test_a_stale_page_is_refreshed_by_the_worker(worker, client, django_user_model, settings, monkeypatch):
    """After an ingest batch the analyst gets the page as it was; the worker, not the web, builds the new one."""
    from django.core.cache import cache

    from contacts import pagecache
    from contacts.tests.factories import ContactFactory

    settings.DATA_VERSION_SECONDS = 60
    monkeypatch.setattr(pagecache, "REFRESH_GRACE_SECONDS", 3600)  # the web never rebuilds it itself here
    client.force_login(django_user_model.objects.create_user("analyst", password="pw"))
    ContactFactory(summary="Talks on trade")
    assert "Talks on trade" in client.get("/").content.decode()
    ContactFactory(summary="Talks on fisheries")  # written by an ingest batch
    cache.delete(pagecache.VERSION_KEY)
    assert "Talks on fisheries" not in client.get("/").content.decode()  # served at once, as it was
    wait_for(lambda: "Talks on fisheries" in client.get("/").content.decode(), 60, worker)
