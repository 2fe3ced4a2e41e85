"""Measurements: page latency over real HTTP against gunicorn, CSV throughput and server memory,
`classify` speed on one core, the ingest benchmark, and query counts per page.

The app is served as in production: `gunicorn config.wsgi` with sync workers, DEBUG off, static
files collected and served by whitenoise. Requests are sent one at a time over one keep-alive
connection, so the numbers are latencies, not throughput under load.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection
from django.urls import NoReverseMatch, reverse

ROOT = Path(settings.BASE_DIR)
logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
PYTHON = sys.executable
NOT_BUILT = "n/a (not built)"


@dataclass
class Result:
    """One line of the table: what was measured, its target, the figure, and whether it meets the target."""

    name: str
    target: str
    value: str
    ok: bool | None = None  # None: no target or not measured
    detail: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return {True: "ok", False: "**miss**", None: ""}[self.ok]


def url_for(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def server_env(database_url: str, statement_timeout_s: int = 300) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        PUBLIC_READ="1",
        DJANGO_SETTINGS_MODULE="config.settings.base",
        LOG_LEVEL="WARNING",
        # A request the bench gave up on must not keep a backend busy (and skew what follows).
        PGOPTIONS=f"-c statement_timeout={statement_timeout_s * 1000}",
    )
    return env


def collectstatic(log: Callable[[str], None]) -> None:
    """The manifest storage needs collected files when DEBUG is off, as in production."""
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        check=True,
        env=server_env(os.environ.get("DATABASE_URL", "")),
    )
    log("collectstatic done")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen
    database: str = ""

    @property
    def workers(self) -> list[int]:
        return _children(self.process.pid)


@contextmanager
def gunicorn(
    database_url: str, port: int, workers: int, log: Callable[[str], None], statement_timeout_s: int = 300
) -> Iterator[Server]:
    """Start gunicorn on 127.0.0.1:port against database_url; stop it (by its own pid) on exit."""
    logfile = open(ROOT / "bench" / "out" / f"gunicorn-{port}.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "600",
            "--graceful-timeout",
            "5",
        ],
        cwd=ROOT,
        env=server_env(database_url, statement_timeout_s),
        stdout=logfile,
        stderr=logfile,
    )
    server = Server(f"http://127.0.0.1:{port}", process, database_url.rsplit("/", 1)[-1])
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see bench/out/gunicorn-{port}.log")
            try:
                httpx.get(server.base_url + "/static/does-not-exist", timeout=2)
                if len(server.workers) >= workers:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 60 s")
            time.sleep(0.3)
        log(f"gunicorn up on {server.base_url} ({workers} sync workers, pids {server.workers})")
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        logfile.close()


# Latency -----------------------------------------------------------------------------------------------


class CpuMeter:
    """On-CPU time of the gunicorn workers and of their PostgreSQL backends, from /proc/<pid>/schedstat.

    Requests are sent one at a time, so the growth of this sum across one request is the CPU that
    request cost, app and database together. Unlike wall time it barely moves when other processes
    compete for the cores: it estimates the latency on an idle machine (minus I/O waits).
    """

    def __init__(self, server: Server | None):
        self.pids: list[int] = []
        if server is None:
            return
        self.pids = list(server.workers)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [server.database],
            )
            self.pids += [row[0] for row in cursor.fetchall()]

    def read(self) -> int:
        total = 0
        for pid in self.pids:
            try:
                total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass
        return total


def time_requests(
    client: httpx.Client,
    urls: Sequence[str],
    count: int,
    warmup: int = 5,
    headers: dict | None = None,
    server: Server | None = None,
) -> tuple[list[float], list[float], int]:
    """Request the urls in turn (cycling), `warmup` untimed first.

    Returns wall latencies and server CPU per request (ms), and the last status.
    """
    status = 0
    for i in range(warmup):
        status = client.get(urls[i % len(urls)], headers=headers).status_code
        if status >= 400:
            return [], [], status
    meter = CpuMeter(server)  # after the warm-up, so that every backend is already connected
    timings, cpu = [], []
    for i in range(count):
        cpu_before = meter.read()
        began = time.perf_counter()
        response = client.get(urls[i % len(urls)], headers=headers)
        response.read()
        timings.append((time.perf_counter() - began) * 1000)
        cpu.append((meter.read() - cpu_before) / 1e6)
        status = response.status_code
        if status >= 400:
            return timings, cpu, status
    return timings, cpu, status


def latency_result(
    name: str, target_ms: float, client: httpx.Client, urls: Sequence[str | None], count: int, **kwargs
) -> Result:
    target = f"p95 ≤ {target_ms:g} ms"
    if not urls or any(u is None for u in urls):
        return Result(name, target, NOT_BUILT)
    try:
        timings, cpu, status = time_requests(client, urls, count, **kwargs)
    except httpx.TimeoutException:
        return Result(name, target, f"timed out (> {client.timeout.read:.0f} s) at {urls[0]}", ok=False)
    if status == 404 and not timings:
        return Result(name, target, NOT_BUILT + " (404)")
    if status >= 400:
        return Result(name, target, f"HTTP {status} at {urls[0]}", ok=False)
    p50, p95 = percentile(timings, 50), percentile(timings, 95)
    cpu50 = percentile(cpu, 50) if any(cpu) else None
    cpu95 = percentile(cpu, 95) if any(cpu) else None
    cpu_text = f"; server CPU p50 {cpu50:.1f} / p95 {cpu95:.1f} ms" if cpu50 is not None else ""
    return Result(
        name,
        target,
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms{cpu_text}",
        ok=p95 <= target_ms,
        detail={"p50": p50, "p95": p95, "cpu_p50": cpu50, "cpu_p95": cpu95, "n": len(timings), "urls": list(urls[:3])},
    )


NEXT_PAGE = re.compile(r"[?&;]before=([0-9]{4}-[0-9]{2}-[0-9]{2}\.[0-9]+)")


# A timeline row is a contact outside any trip, or the newest matching contact of its trip (the view
# folds the rest of the trip into it); the cursor of page n is the last such row of page n - 1.
DEEP_CURSOR_SQL = """
    SELECT c.start_date, c.id FROM contacts_contact c
    WHERE c.review_status <> 'rejected'
      AND (c.delegation_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM contacts_contact n
          WHERE n.delegation_id = c.delegation_id AND n.review_status <> 'rejected'
            AND (n.start_date, n.id) > (c.start_date, c.id)))
    ORDER BY c.start_date DESC, c.id DESC
    OFFSET %s LIMIT 1
"""


def deep_page_cursor(page: int, size: int = 50) -> str | None:
    """The `before=` cursor of timeline page `page`, computed in SQL instead of following 999 links."""
    with connection.cursor() as cursor:
        cursor.execute(DEEP_CURSOR_SQL, [(page - 1) * size - 1])
        row = cursor.fetchone()
    return f"{row[0].isoformat()}.{row[1]}" if row else None


def sample_ids(sql: str, params: Sequence = ()) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


class _LoggedList(list):
    """Results that print themselves as they arrive: a long run shows progress."""

    def __init__(self, log: Callable[[str], None]):
        super().__init__()
        self.log = log

    def append(self, result: Result) -> None:
        self.log(f"  {result.name}: {result.value}")
        super().append(result)


def page_latencies(server: Server, requests: int, log: Callable[[str], None], deep_page: int = 1000) -> list[Result]:
    results = _LoggedList(log)
    measure_one = functools.partial(latency_result, server=server)
    client = httpx.Client(base_url=server.base_url, timeout=120)
    timeline = url_for("contacts:list")
    # Three filters of the timeline's FilterSet: a country, a kind and a period.
    filtered = f"{timeline}?country=CN&kind=visit&date_from=2010-01-01" if timeline else None
    results.append(measure_one("Timeline, first page", 50, client, [timeline], requests))
    results.append(
        measure_one("Timeline, first page, 3 filters (country, kind, period)", 50, client, [filtered], requests)
    )
    results.append(
        measure_one(
            "Timeline, first page, HTMX partial", 50, client, [timeline], requests, headers={"HX-Request": "true"}
        )
    )
    if deep_page > 1:
        deep = None
        if timeline:
            cursor = deep_page_cursor(deep_page)
            deep = f"{timeline}?before={cursor}" if cursor else None
        result = measure_one(f"Timeline, page {deep_page:,} (keyset cursor)", 50, client, [deep], requests)
        if timeline and deep is None:
            result.value = f"n/a (fewer than {deep_page:,} pages)"
        results.append(result)

    geojson = url_for("contacts:export_geojson")
    if geojson:
        from django.core.cache import cache

        cache.clear()
        began = time.perf_counter()
        response = client.get(geojson)
        cold = (time.perf_counter() - began) * 1000
        result = measure_one("Map data, all places (GeoJSON, cached)", 50, client, [geojson], requests)
        result.value += f"; uncached {cold:.0f} ms, {len(response.content) / 1e6:.2f} MB"
        result.detail["cold_ms"] = cold
        results.append(result)
    else:
        results.append(Result("Map data, all places", "p95 ≤ 50 ms", NOT_BUILT))

    delegations = sample_ids("SELECT id FROM contacts_delegation ORDER BY md5(id::text) LIMIT 50")
    results.append(
        measure_one(
            "Delegation page (50 random)",
            50,
            client,
            [url_for("contacts:delegation", pk) for pk in delegations],
            requests,
        )
    )
    people = sample_ids("SELECT DISTINCT person_id FROM contacts_participant ORDER BY 1")
    people = sorted(people, key=lambda pk: hash((pk, 42)))[:50] if people else []
    results.append(
        measure_one(
            "Official page (50 random)", 50, client, [url_for("contacts:person", pk) for pk in people], requests
        )
    )
    busiest = sample_ids("SELECT person_id FROM contacts_participant GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    results.append(
        measure_one(
            "Official page (busiest official)", 50, client, [url_for("contacts:person", pk) for pk in busiest], requests
        )
    )
    countries = sample_ids(
        "SELECT c.iso2 FROM contacts_contact x JOIN contacts_country c ON c.id = x.country_id "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 30"
    )
    results.append(
        measure_one(
            "Country page (30 most frequent)",
            50,
            client,
            [url_for("contacts:country", iso) for iso in countries],
            requests,
        )
    )
    results.append(
        measure_one(
            "Country page (busiest: most contacts)",
            50,
            client,
            [url_for("contacts:country", iso) for iso in countries[:1]],
            requests,
        )
    )

    search = url_for("contacts:search")
    texts = [
        "friendship delegation",
        "floral basket",
        "agreement on cooperation",
        "Vietnam",
        "bumper harvest",
        '"sci-tech exhibition"',
        "reception banquet",
        "Laos party",
    ]
    results.append(
        measure_one(
            "Full-text search (8 queries, 1M articles)",
            100,
            client,
            [f"{search}?q={httpx.QueryParams({'q': t})['q']}" for t in texts] if search else [],
            requests,
        )
    )
    results.append(
        measure_one(
            'Name search "Kim Sung Nam" (misspelled)',
            100,
            client,
            [f"{search}?q=Kim+Sung+Nam"] if search else [],
            requests,
        )
    )
    if search:
        found = "Kim Song Nam" in client.get(f"{search}?q=Kim+Sung+Nam").text
        results[-1].value += "; finds Kim Song Nam" if found else "; does NOT find Kim Song Nam"
    client.close()
    return list(results)


# CSV ----------------------------------------------------------------------------------------------------


def csv_export(server: Server, log: Callable[[str], None]) -> Result:
    """Stream the unfiltered CSV; rows/s over HTTP and the peak RSS of the gunicorn workers meanwhile."""
    url = url_for("contacts:export_csv")
    target = "≥ 200,000 rows/s, < 150 MB"
    if not url:
        return Result("CSV export", target, NOT_BUILT)
    workers = server.workers
    baseline = {pid: rss_kib(pid) for pid in workers}
    peak = dict(baseline)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in workers:
                peak[pid] = max(peak[pid], rss_kib(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    size = lines = 0
    began = time.perf_counter()
    first_byte = None
    try:
        with httpx.stream("GET", server.base_url + url, timeout=600) as response:
            for chunk in response.iter_bytes():
                if first_byte is None:
                    first_byte = time.perf_counter() - began
                size += len(chunk)
                lines += chunk.count(b"\n")
            status = response.status_code
    except httpx.HTTPError as error:
        done.set()
        return Result("CSV export", target, f"failed after {lines:,} rows: {error}", ok=False)
    elapsed = time.perf_counter() - began
    done.set()
    sampler.join()
    if status >= 400:
        return Result("CSV export", target, f"HTTP {status}", ok=False)
    rows = lines - 1  # header
    rate = rows / elapsed
    peak_mb = max(peak.values()) / 1024
    base_mb = max(baseline.values()) / 1024
    ok = rate >= 200_000 and peak_mb < 150
    log(f"CSV: {rows:,} rows, {size / 1e6:.0f} MB in {elapsed:.1f} s")
    return Result(
        f"CSV export, all {rows:,} rows",
        target,
        f"{rate:,.0f} rows/s ({size / 1e6 / elapsed:.0f} MB/s, first byte {first_byte * 1000:.0f} ms); "
        f"worker peak RSS {peak_mb:.0f} MB (idle {base_mb:.0f} MB)",
        ok=ok,
        detail={"rows": rows, "bytes": size, "seconds": elapsed, "peak_rss_mb": peak_mb, "idle_rss_mb": base_mb},
    )


# classify -------------------------------------------------------------------------------------------------


def classify_speed(count: int, log: Callable[[str], None]) -> Result:
    """`manage.py classify --jsonl` on `count` generated articles, pinned to one core with taskset."""
    from django.core.management import get_commands

    name = "classify articles/s (one core)"
    if "classify" not in get_commands():
        return Result(name, "", NOT_BUILT)
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, url, source_name, published_at, title, text FROM ingest_article ORDER BY id LIMIT %s", [count]
        )
        for aid, url, source, published, title, text in cursor.fetchall():
            rows.append(
                {
                    "id": str(aid),
                    "url": url,
                    "source": source,
                    "published": published.isoformat() if published else None,
                    "title": title,
                    "text": text,
                }
            )
    if not rows:
        return Result(name, "", "n/a (no articles)")
    taskset = ["taskset", "-c", "0"] if shutil.which("taskset") else []

    def run(lines: list[dict]) -> float:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "in.jsonl"
            source.write_text("".join(json.dumps(row) + "\n" for row in lines))
            began = time.perf_counter()
            subprocess.run(
                [
                    *taskset,
                    PYTHON,
                    "manage.py",
                    "classify",
                    "--jsonl",
                    str(source),
                    "--out",
                    str(Path(tmp) / "out.jsonl"),
                ],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            return time.perf_counter() - began

    startup = run(rows[:1])
    total = run(rows)
    rate = (len(rows) - 1) / max(total - startup, 1e-9)
    log(f"classify: {len(rows)} articles in {total:.1f} s (start-up {startup:.1f} s)")
    return Result(
        name,
        "",
        f"{rate:,.0f} articles/s ({len(rows):,} articles; start-up {startup:.1f} s excluded)",
        detail={"articles": len(rows), "seconds": total, "startup": startup, "rate": rate},
    )


# ingest ---------------------------------------------------------------------------------------------------


def ingest_benchmark(log: Callable[[str], None]) -> list[Result]:
    """Run bench/ingest_bench.py (owned by the ingest pipeline) and report what it prints."""
    script = ROOT / "bench" / "ingest_bench.py"
    name = "Ingest pipeline end to end (real worker)"
    if not script.exists():
        return [Result(name, "", NOT_BUILT)]
    completed = subprocess.run([PYTHON, str(script)], cwd=ROOT, capture_output=True, text=True, env=dict(os.environ))
    output = completed.stdout.strip()
    (ROOT / "bench" / "out" / "ingest_bench.log").write_text(output + "\n" + completed.stderr)
    if completed.returncode != 0:
        reason = (completed.stderr.strip().splitlines() or ["no message"])[-1][:200]
        return [Result(name, "", f"failed (exit {completed.returncode}): {reason}", ok=False)]
    # The script's last line may be a JSON object of figures; otherwise its last lines are quoted.
    last = output.splitlines()[-1] if output else ""
    try:
        figures = json.loads(last)
    except ValueError:
        return [Result(name, "", " / ".join(output.splitlines()[-3:]) or "(no output)")]
    return [Result(f"Ingest: {key}", "", str(value)) for key, value in figures.items()]


# Query counts ------------------------------------------------------------------------------------------------


def query_counts() -> dict[str, int | None]:
    """Queries per page, in process through the test client (the same views, no network)."""
    from django.core.cache import cache
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    pages = query_count_pages()
    counts: dict[str, int | None] = {}
    with override_settings(ALLOWED_HOSTS=["*"], PUBLIC_READ=True, SECURE_SSL_REDIRECT=False, DEBUG=False):
        client = Client()
        for name, url in pages.items():
            if url is None:
                counts[name] = None
                continue
            client.get(url)  # warm per-process caches (content types, compiled templates)
            cache.clear()  # count the queries of a cold page, not of a cache hit
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
            counts[name] = len(captured) if response.status_code < 400 else None
    return counts


def query_count_pages() -> dict[str, str | None]:
    delegation = sample_ids(
        "SELECT delegation_id FROM contacts_contact WHERE delegation_id IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    person = sample_ids("SELECT person_id FROM contacts_participant GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    country = sample_ids(
        "SELECT c.iso2 FROM contacts_contact x JOIN contacts_country c ON c.id = x.country_id "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    timeline = url_for("contacts:list")
    search = url_for("contacts:search")
    geojson = url_for("contacts:export_geojson")
    return {
        "Timeline": timeline,
        "Timeline, 3 filters": f"{timeline}?country=CN&kind=visit&date_from=2010-01-01" if timeline else None,
        "Map data (uncached)": geojson,
        "Delegation (largest)": url_for("contacts:delegation", delegation[0]) if delegation else None,
        "Official (busiest)": url_for("contacts:person", person[0]) if person else None,
        "Country (busiest)": url_for("contacts:country", country[0]) if country else None,
        "Search": f"{search}?q=friendship+delegation" if search else None,
        # The export's COPY runs on the raw psycopg connection, which the query capture does not see.
        "CSV (queries besides its one COPY)": url_for("contacts:export_csv"),
        "JSON API": url_for("contacts:api_contacts"),
    }
