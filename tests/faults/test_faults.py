"""Faults with the real services: workers killed mid-task, a poison message, Redis and PostgreSQL restarted.

Every test runs on a throwaway PostgreSQL cluster and a throwaway Redis (tests/conftest.py) with its own
worker, beat or gunicorn processes; the shared services are never touched. Inputs go in through
`manage.py ingest --async`, as an operator would; slowness and crashes come from the pages the worker
fetches (tests/faults/conftest.py `FeedServer`), not from patched code.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.faults.conftest import REPORT, article_page, children, query, wait_until

pytestmark = pytest.mark.worker
FINAL = ("irrelevant", "proposed", "linked", "duplicate", "failed")


def articles(db_url: str) -> list[tuple]:
    return query(db_url, "SELECT url, status, attempts, failure_reason FROM ingest_article ORDER BY id")


def article(db_url: str, url: str) -> tuple:
    rows = query(db_url, "SELECT id, status, attempts, failure_reason FROM ingest_article WHERE url = %s", (url,))
    assert len(rows) == 1, rows
    return rows[0]


def settled(db_url: str, url: str) -> bool:
    rows = query(db_url, "SELECT status FROM ingest_article WHERE url = %s", (url,))
    return bool(rows) and rows[0][0] in FINAL


def assert_processed_once(db_url: str, article_id: int) -> None:
    """No proposal or evidence twice: the second run found the first one's work or redid it from scratch."""
    proposals = query(db_url, "SELECT action, payload::text FROM ingest_proposal WHERE article_id = %s", (article_id,))
    assert len(proposals) == len(set(proposals)), proposals
    evidence = query(db_url, "SELECT contact_id, delegation_id FROM contacts_evidence WHERE article_id = %s",
                     (article_id,))
    assert len(evidence) == len(set(evidence)), evidence


def test_worker_child_killed_mid_task_runs_it_again_once(services, feed_server):
    """SIGKILL the pool process while it waits for the page: the task is redelivered and finishes once."""
    worker = services.worker(concurrency=1)
    release = threading.Event()
    page = feed_server.add("/news/1", body=article_page("WPK delegation leaves for Hanoi"), hold=release)
    feed_server.feed("/feed.xml", [("WPK delegation leaves for Hanoi", "/news/1")])
    services.manage("ingest", "--async", feed_server.url("/feed.xml"))
    wait_until(lambda: len(page.hits) == 1, 120, "the worker to fetch the page", [worker])
    pool = children(worker.pid)
    assert pool
    for pid in pool:  # the worker itself stays up; only the pool process dies
        os.kill(pid, signal.SIGKILL)
    release.set()  # the next fetch answers at once
    url = feed_server.url("/news/1")
    wait_until(lambda: settled(services.database, url), 120, "the article to be processed", [worker])
    article_id, status, attempts, reason = article(services.database, url)
    assert status in ("linked", "proposed", "irrelevant"), (status, reason)
    assert attempts == 2
    assert len(page.hits) == 2
    assert_processed_once(services.database, article_id)
    assert "WorkerLostError" in worker.output() or "Process" in worker.output()


def test_whole_worker_killed_mid_task_is_redelivered_to_the_next_worker(services, feed_server):
    """SIGKILL the worker and its pool: the unacknowledged message comes back (visibility timeout) to a new one."""
    first = services.worker(concurrency=1, name="first")
    release = threading.Event()
    page = feed_server.add("/news/2", body=article_page("WPK delegation arrives in Hanoi"), hold=release)
    feed_server.feed("/feed2.xml", [("WPK delegation arrives in Hanoi", "/news/2")])
    services.manage("ingest", "--async", feed_server.url("/feed2.xml"))
    wait_until(lambda: len(page.hits) == 1, 120, "the worker to fetch the page", [first])
    first.kill(signal.SIGKILL)
    release.set()
    url = feed_server.url("/news/2")
    assert query(services.database, "SELECT status FROM ingest_article WHERE url = %s", (url,))[0][0] == "pending"
    second = services.worker(concurrency=1, name="second")
    wait_until(lambda: settled(services.database, url), 180, "the message to come back", [second])
    article_id, status, attempts, reason = article(services.database, url)
    assert status in ("linked", "proposed", "irrelevant"), (status, reason)
    assert attempts == 2 and len(page.hits) == 2
    assert_processed_once(services.database, article_id)


def test_task_that_kills_its_worker_every_time_is_given_up(services, feed_server):
    """A page whose fetch kills the pool process each time: tried MAX_ATTEMPTS times, then failed, then quiet."""
    from ingest.pipeline import MAX_ATTEMPTS

    worker = services.worker(concurrency=1)
    poison = feed_server.add("/poison", kill_worker_of=worker)
    healthy = feed_server.add("/news/3", body=article_page("WPK delegation visits Laos"))
    feed_server.feed("/feed3.xml", [("Poison", "/poison"), ("WPK delegation visits Laos", "/news/3")])
    services.manage("ingest", "--async", feed_server.url("/feed3.xml"))
    url = feed_server.url("/poison")
    wait_until(lambda: settled(services.database, url), 240, "the poison article to be given up", [worker])
    _, status, attempts, reason = article(services.database, url)
    assert status == "failed"
    assert f"gave up after {MAX_ATTEMPTS} attempts" in reason
    assert len(poison.hits) == MAX_ATTEMPTS
    # The worker goes on with the rest, and the poison message is not delivered again.
    wait_until(lambda: settled(services.database, feed_server.url("/news/3")), 120, "the healthy article", [worker])
    assert len(healthy.hits) == 1
    time.sleep(20)  # longer than the visibility timeout (15 s): a lingering message would have come back
    assert len(poison.hits) == MAX_ATTEMPTS
    assert services.redis.process.poll() is None


def test_redis_restart_with_tasks_queued(services, feed_server, throwaway_redis):
    """Redis goes away while work is queued and comes back empty: worker and beat reconnect and carry on.

    The throwaway Redis has no persistence (`--save ""`), so what was queued when it stopped is lost
    from the broker; the articles are still pending in the database and are queued again, and beat's
    next ticks poll a source, which shows beat resumed too.
    """
    worker = services.worker(concurrency=2)
    beat = services.beat()
    for n in range(4):
        feed_server.add(f"/r/{n}", body=article_page(f"Delegation {n} leaves", REPORT.replace("Hanoi", f"Hanoi {n}")))
    feed_server.feed("/before.xml", [(f"Delegation {n} leaves", f"/r/{n}") for n in range(2)])
    services.manage("ingest", "--async", feed_server.url("/before.xml"))
    wait_until(lambda: all(settled(services.database, feed_server.url(f"/r/{n}")) for n in range(2)), 120,
               "the first articles", [worker, beat])

    throwaway_redis.stop(signal.SIGKILL)
    time.sleep(3)
    throwaway_redis.start()

    feed_server.feed("/after.xml", [(f"Delegation {n} leaves", f"/r/{n}") for n in range(2, 4)])
    services.manage("ingest", "--async", feed_server.url("/after.xml"))
    wait_until(lambda: all(settled(services.database, feed_server.url(f"/r/{n}")) for n in range(2, 4)), 180,
               "the worker to reconnect and process the new articles", [worker, beat])
    # Beat: a source added now is due at once; beat's every-minute tick makes the worker poll it.
    feed_server.feed("/beat.xml", [("Delegation 0 leaves", "/r/0")])
    query(services.database,
          "INSERT INTO ingest_source (name, kind, url, active, interval_minutes, etag, last_modified, last_error, "
          "consecutive_failures) VALUES ('Beat wire', 'feed', %s, true, 1, '', '', '', 0) RETURNING id",
          (feed_server.url("/beat.xml"),))
    wait_until(lambda: query(services.database, "SELECT last_success_at FROM ingest_source WHERE name = 'Beat wire'")
               [0][0] is not None, 150, "beat to poll the source", [worker, beat])
    assert worker.poll() is None and beat.poll() is None


def test_postgres_restart_under_the_web_app(services, throwaway_postgres):
    """The pages answer again after the database restarts, without restarting the app."""
    web, port = services.web()

    def get(path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=180) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    for _ in range(4):  # warm both gunicorn workers' persistent connections
        assert get("/") == 200
    throwaway_postgres.stop("fast")
    assert get("/") == 500  # the database is down: an error page, not a hang
    throwaway_postgres.start()
    statuses = [get(path) for path in ("/", "/map/", "/api/contacts.json", "/", "/export.csv", "/")]
    assert statuses == [200] * 6, statuses
    assert web.poll() is None  # same processes, no restart


def test_page_answering_500_is_retried_with_backoff_then_failed(services, feed_server):
    from ingest.pipeline import MAX_ATTEMPTS

    worker = services.worker(concurrency=1)
    broken = feed_server.add("/broken", status=500, body=b"oops")
    feed_server.feed("/feed5.xml", [("Broken", "/broken")])
    services.manage("ingest", "--async", feed_server.url("/feed5.xml"))
    url = feed_server.url("/broken")
    wait_until(lambda: settled(services.database, url), 240, "the retries to end", [worker])
    _, status, attempts, reason = article(services.database, url)
    assert status == "failed"
    assert "HTTP 500" in reason
    assert len(broken.hits) == MAX_ATTEMPTS
    assert worker.output().count("Retry in") >= MAX_ATTEMPTS - 1  # retried by Celery with a countdown


def test_feed_that_times_out_or_fails_shows_on_the_source(services, feed_server):
    """Polling a failing feed records the error on the source; a later poll that works clears it."""
    worker = services.worker(concurrency=1)
    feed = feed_server.add("/flaky.xml", status=500, body=b"down")
    query(services.database,
          "INSERT INTO ingest_source (name, kind, url, active, interval_minutes, etag, last_modified, last_error, "
          "consecutive_failures) VALUES ('Flaky wire', 'feed', %s, true, 1, '', '', '', 0)",
          (feed_server.url("/flaky.xml"),))
    source_id = query(services.database, "SELECT id FROM ingest_source WHERE name = 'Flaky wire'")[0][0]

    def health():
        return query(services.database,
                     "SELECT consecutive_failures, last_error, last_success_at FROM ingest_source WHERE id = %s",
                     (source_id,))[0]

    for n in (1, 2):
        services.manage("shell", "-c", f"from ingest.tasks import poll_source; poll_source.delay({source_id})")
        wait_until(lambda n=n: health()[0] == n, 120, f"failure {n} to be recorded", [worker])
    assert "HTTP 500" in health()[1]
    feed.status, feed.body, feed.content_type = 200, b"", "application/rss+xml"
    feed_server.feed("/flaky.xml", [("Delegation", "/r/x")])
    services.manage("shell", "-c", f"from ingest.tasks import poll_source; poll_source.delay({source_id})")
    wait_until(lambda: health()[2] is not None, 120, "the source to recover", [worker])
    assert health()[0] == 0


def test_postgres_restart_under_the_worker(services, feed_server, throwaway_postgres):
    """The worker keeps its database connection between tasks, and gets a new one after a restart."""
    worker = services.worker(concurrency=1)
    feed_server.add("/before", body=article_page("Before the restart"))
    services.manage("ingest", "--async", feed_server.url("/before"))
    wait_until(lambda: settled(services.database, feed_server.url("/before")), 120, "the first article", [worker])
    throwaway_postgres.stop("fast")
    throwaway_postgres.start()
    feed_server.add("/after", body=article_page("After the restart", REPORT.replace("Thursday", "Friday")))
    services.manage("ingest", "--async", feed_server.url("/after"))
    wait_until(lambda: settled(services.database, feed_server.url("/after")), 120, "the second article", [worker])
    _, status, attempts, reason = article(services.database, feed_server.url("/after"))
    assert status in ("linked", "proposed", "duplicate"), reason
    assert worker.poll() is None
