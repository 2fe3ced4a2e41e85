"""Throwaway services and processes for the fault tests: a migrated database, workers, beat, a web app.

Nothing here touches the shared PostgreSQL or Redis: the database lives in `throwaway_postgres`, the
broker is `throwaway_redis` (tests/conftest.py). The test process reads the database with psycopg
directly (these tests are not Django database tests: the rows are written by other processes).
Slow or deadly inputs come from `FeedServer`, a local HTTP server whose pages can hold the request
until the test releases it, fail, or kill the worker process that asked.
"""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.conftest import free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.faults.settings"
REPORT = (
    "Pyongyang, March 18 -- A delegation of the Workers' Party of Korea led by Ri Chol Man, vice-director of "
    "the International Department of the WPK Central Committee, left here on Monday for Hanoi to visit Vietnam "
    "at the invitation of the Communist Party of Vietnam. The delegation was seen off at the airport by "
    "officials of the department and by the Vietnamese ambassador."
)


@pytest.fixture(scope="session")
def fault_db(throwaway_postgres):
    """A migrated database on the throwaway cluster (once per session)."""
    throwaway_postgres.psql("CREATE DATABASE atlas_faults")
    url = throwaway_postgres.url("atlas_faults")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}, timeout=600)
    return url


@pytest.fixture
def db_url(fault_db):
    """The fault database, emptied of articles, sources and records before each test."""
    with psycopg.connect(fault_db, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE ingest_proposal, ingest_article, ingest_source, contacts_evidence, contacts_participant, "
            "contacts_contact, contacts_delegationmember, contacts_delegation CASCADE"
        )
    return fault_db


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def wait_until(predicate, timeout: float, what: str, processes=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except psycopg.OperationalError:
            pass  # the database may be restarting
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"{what}: a process exited:\n{process.output()[-4000:]}")
        time.sleep(0.25)
    details = "\n".join(p.output()[-3000:] for p in processes)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{details}")


def children(pid: int) -> list[int]:
    """Direct child processes of `pid` (a prefork worker's pool processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@dataclass
class Service:
    """A subprocess (worker, beat, web app) in its own process group, with its output in a log file."""

    args: list[str]
    env: dict
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> Service:
        handle = open(self.log, "ab")  # noqa: SIM115 - kept open for the process's lifetime
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def poll(self):
        return self.process.poll() if self.process else 0

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def services(tmp_path, db_url, throwaway_redis):
    """Start workers, beat or gunicorn against the throwaway services; all are killed at the end."""
    started: list[Service] = []
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": throwaway_redis.url, "DJANGO_SETTINGS_MODULE": SETTINGS,
           "INGEST_ALLOW_PRIVATE_NETWORKS": "1", "PUBLIC_READ": "1", "CONN_MAX_AGE": "60"}

    class Starter:
        redis = throwaway_redis
        database = db_url
        environment = env

        def worker(self, concurrency: int = 1, name: str = "worker") -> Service:
            args = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "-c", str(concurrency),
                    "-l", "info", "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]
            service = Service(args, env, tmp_path / f"{name}-{len(started)}.log").start()
            started.append(service)
            return service

        def beat(self) -> Service:
            args = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info",
                    "--schedule", str(tmp_path / "beat-schedule"), "--max-interval", "1"]
            service = Service(args, env, tmp_path / "beat.log").start()
            started.append(service)
            return service

        def web(self) -> tuple[Service, int]:
            port = free_port(8060, 8080)
            args = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2",
                    "--timeout", "60"]
            service = Service(args, env, tmp_path / "web.log").start()
            started.append(service)
            wait_port(port, 60)
            return service, port

        def manage(self, *args: str) -> str:
            result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                                    text=True, timeout=300)
            assert result.returncode == 0, result.stdout + result.stderr
            return result.stdout

    yield Starter()
    for service in reversed(started):
        service.kill(signal.SIGKILL)


@dataclass
class Page:
    """What one path answers: a body, a status, a hold until released, or death of the worker asking."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    hold: threading.Event | None = None  # answer only once set
    kill_worker_of: Service | None = None  # SIGKILL the pool process of this worker while it waits
    hits: list[float] = field(default_factory=list)


class FeedServer:
    """A threaded local HTTP server for the worker to fetch from."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.port = free_port(8060, 8080)
        pages = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                page = pages.get(self.path)
                if page is None:
                    self.send_error(404)
                    return
                page.hits.append(time.monotonic())
                if page.kill_worker_of is not None:
                    for pid in children(page.kill_worker_of.pid):
                        os.kill(pid, signal.SIGKILL)
                    return
                if page.hold is not None:
                    page.hold.wait(120)
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, **kwargs) -> Page:
        self.pages[path] = Page(**kwargs)
        return self.pages[path]

    def feed(self, path: str, items: list[tuple[str, str]]) -> Page:
        """An RSS feed whose items (title, link path) carry short descriptions, so each page gets fetched."""
        entries = "".join(
            f"<item><title>{title}</title><link>{self.url(link)}</link><description>Short.</description>"
            f"<pubDate>Mon, 18 Mar 2024 06:00:00 +0000</pubDate></item>"
            for title, link in items
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Fault wire</title>{entries}</channel></rss>'
        return self.add(path, body=body.encode(), content_type="application/rss+xml")

    def close(self) -> None:
        for page in self.pages.values():
            if page.hold is not None:
                page.hold.set()
        self.server.shutdown()
        self.server.server_close()


def article_page(title: str, text: str = REPORT) -> bytes:
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{text}</p></article></body></html>".encode()


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.close()
