"""Load test: N analysts browsing timeline, map data and CSV against gunicorn while an ingest runs.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python scripts/loadtest.py [--analysts 50] [--duration 30]

What it does, all on loopback and bounded in time and requests:
1. A database of its own (DATABASE_URL's name + "_loadtest", dropped and migrated first), filled by the
   benchmark generator (bench/generate.py) at --contacts scale; an analyst account and its session.
2. gunicorn (PUBLIC_READ off: every request carries the analyst's session cookie) and a real Celery
   worker on REDIS_URL.
3. `manage.py ingest --async` on a generated JSONL of --ingest articles: the worker processes them at
   full speed during the whole measurement.
   gunicorn runs with config/gunicorn.py, as deployed (--web-workers and --web-threads set its
   WEB_CONCURRENCY and WEB_THREADS).
4. wrk (Debian package) with --analysts connections, each request taking the next URL of a rotation:
   timeline pages and filters, the HTMX partial, map page, GeoJSON, JSON API, filtered CSV, delegation
   pages. wrk stops after --duration seconds or --max-requests requests, whichever comes first.
Prints requests/s, errors (non-2xx answers and socket errors), latency percentiles, the ingest's own
progress during the run, and a JSON object of the figures; exit status 1 if the target was missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FINAL = ("linked", "proposed", "irrelevant", "duplicate", "failed")
TARGET = {"rps": 150.0, "errors": 0, "p95_ms": 200.0}

LUA = r"""
-- Rotates through the URLs in PATHS; each thread starts at a different offset and stops after LIMIT requests.
local paths = {PATHS}
local limit = {LIMIT}
local cookie = "{COOKIE}"
local think = {THINK}
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = id * 7919
  sent = 0
  non2xx = 0
end

-- An analyst reads before the next click: a pause drawn uniformly from 0 to twice the mean think time.
function delay()
  if think <= 0 then
    return 0
  end
  return math.random(0, 2 * think)
end

function request()
  counter = counter + 1
  sent = sent + 1
  if sent > limit then
    wrk.thread:stop()
  end
  local entry = paths[(counter % #paths) + 1]
  local headers = { ["Cookie"] = cookie }
  if entry.htmx then
    headers["HX-Request"] = "true"
  end
  return wrk.format("GET", entry.path, headers)
end

function response(status, headers, body)
  if status >= 300 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
  end
  local errors = summary.errors
  local out = string.format(
    '{"requests": %d, "duration_us": %d, "non2xx": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d, "status_errors": %d, "p50_us": %d, "p90_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f}',
    summary.requests, summary.duration, bad, errors.connect, errors.read, errors.write, errors.timeout,
    errors.status, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean)
  io.stderr:write("LOADTEST-JSON " .. out .. "\n")
end
"""


def free_port(start: int = 8060, end: int = 8080) -> int:
    for port in range(start, end):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {start}-{end}")


def wait_http(url: str, timeout: float = 60.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def fill(scale_contacts: int) -> None:
    """Synthetic records at the given scale (the benchmark's generator), plus an analyst session."""
    from bench.generate import Scale, generate

    scale = Scale(contacts=scale_contacts, delegations=scale_contacts // 5, persons=max(500, scale_contacts // 20),
                  articles=scale_contacts)
    generate(scale, force=True, log=lambda line: print(f"  {line}"))


def analyst_cookie() -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = User.objects.get_or_create(username="loadtest-analyst")
    group = Group.objects.filter(name="Analyst").first()
    if group:
        user.groups.add(group)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.set_expiry(3600)
    session.save()
    return f"sessionid={session.session_key}"


def rotation(seed: int = 3) -> list[dict]:
    """What analysts open, weighted like a browsing session: mostly timeline and filters, some downloads."""
    from django.db.models import Count

    from contacts.models import Contact, Delegation

    rng = random.Random(seed)
    countries = list(
        Contact.objects.values_list("country__iso2", flat=True).annotate(n=Count("pk")).order_by("-n")[:30]
    )
    # The same pages on every run over the same database, so that runs compare.
    delegation_ids = list(Delegation.objects.order_by("pk").values_list("pk", flat=True))
    delegations = rng.sample(delegation_ids, min(40, len(delegation_ids)))
    years = sorted({d.year for d in Contact.objects.order_by("pk").values_list("start_date", flat=True)[::100]})
    paths: list[dict] = []
    for _ in range(20):
        iso2, year = rng.choice(countries), rng.choice(years)
        paths += [
            {"path": "/"},
            {"path": f"/?country={iso2}"},
            {"path": f"/?country={iso2}&kind=meeting", "htmx": True},
            {"path": f"/?date_from={year}-01-01&date_to={year}-12-31", "htmx": True},
            {"path": f"/map.geojson?country={iso2}"},
            {"path": f"/map.geojson?date_from={year}-01-01&date_to={year}-12-31"},
            {"path": f"/api/contacts.json?country={iso2}"},
            {"path": f"/export.csv?country={iso2}&date_from={year}-01-01&date_to={year}-12-31"},
            {"path": f"/delegations/{rng.choice(delegations)}/"} if delegations else {"path": "/map/"},
            {"path": "/map/"},
        ]
    return paths


def lua_script(paths: list[dict], limit: int, cookie: str, think_ms: int = 0) -> str:
    entries = ", ".join(
        "{ path = " + json.dumps(p["path"]) + ", htmx = " + ("true" if p.get("htmx") else "false") + " }"
        for p in paths
    )
    return LUA.replace("{PATHS}", "{ " + entries + " }").replace("{LIMIT}", str(limit)).replace("{COOKIE}", cookie).replace(
        "{THINK}", str(think_ms)
    )


def write_jsonl(path: Path, count: int) -> None:
    from bench.ingest_bench import synthetic_records

    stamp = int(time.time())  # new URLs and texts on every run, so a reused database still gets new articles
    with open(path, "w", encoding="utf-8") as handle:
        for i, record in enumerate(synthetic_records(count, seed=stamp)):
            record["url"] = f"https://loadtest.example/{stamp}/{i}"
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def article_counts(url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        done = conn.execute("SELECT count(*) FROM ingest_article WHERE status = ANY(%s) AND url LIKE "
                            "'https://loadtest.example/%%'", (list(FINAL),)).fetchone()[0]
        total = conn.execute("SELECT count(*) FROM ingest_article WHERE url LIKE 'https://loadtest.example/%%'"
                             ).fetchone()[0]
    return done, total


def service_times(access_log: Path) -> str:
    """Time spent inside gunicorn per page (no queueing), from the access log: where the load's CPU goes."""
    import statistics

    spent: dict[str, list[float]] = {}
    for line in access_log.read_text().splitlines():
        path, _status, micros = line.rsplit(" ", 2)
        page = "/delegations/N/" if path.startswith("/delegations/") else path
        spent.setdefault(page, []).append(int(micros) / 1000)
    total = sum(sum(values) for values in spent.values()) or 1
    rows = ["page                        requests   median ms   p95 ms   max ms   share of time"]
    for page, values in sorted(spent.items(), key=lambda item: -sum(item[1])):
        values.sort()
        rows.append(f"{page:<28}{len(values):>8}{statistics.median(values):>12.1f}"
                    f"{values[int(len(values) * 0.95) - 1 if len(values) > 1 else 0]:>9.1f}{values[-1]:>9.1f}"
                    f"{100 * sum(values) / total:>14.1f}%")
    return "\n".join(rows)


def stop(process: subprocess.Popen, grace: float = 30.0) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--analysts", type=int, default=50, help="concurrent connections (simulated analysts)")
    parser.add_argument("--duration", type=int, default=30, help="seconds of load (upper bound)")
    parser.add_argument("--think-ms", type=int, default=0,
                        help="mean pause of each analyst between requests (0: back to back, the saturation test)")
    parser.add_argument("--max-requests", type=int, default=30000, help="requests in all (upper bound)")
    parser.add_argument("--contacts", type=int, default=20000, help="synthetic contacts in the database")
    parser.add_argument("--ingest", type=int, default=3000, help="articles in the JSONL ingested during the load")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--web-threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--reuse", action="store_true", help="keep the database from the last run (no refill)")
    parser.add_argument("--no-ingest", action="store_true", help="measure the web app alone")
    parser.add_argument("--json-out", help="also write the figures to this file")
    options = parser.parse_args()

    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    from bench.ingest_bench import prepare_database, sibling_database_url

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/contact_atlas")
    db_url = sibling_database_url(base_url, "_loadtest")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "PUBLIC_READ": "0", "DEBUG": "0", "SECRET_KEY": "loadtest-" + "x" * 50, "SECURE_SSL_REDIRECT": "0",
           "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0", "LOG_LEVEL": "WARNING",
           "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    os.environ.update(env)
    if not options.reuse:
        print(f"preparing {db_url} ...")
        prepare_database(db_url)
    import django

    django.setup()
    if not options.reuse:
        fill(options.contacts)
    cookie = analyst_cookie()
    paths = rotation()

    from config.celery import app

    app.control.purge()
    tmp = Path(tempfile.mkdtemp(prefix="atlas-load-"))
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi", "-b", f"127.0.0.1:{port}",
         "--access-logfile", str(tmp / "access.log"), "--access-logformat", "%(U)s %(s)s %(D)s"],
        cwd=ROOT, env={**env, "WEB_CONCURRENCY": str(options.web_workers), "WEB_THREADS": str(options.web_threads)},
        stdout=open(tmp / "web.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    # Without an ingest no worker runs at all, so the web app has the machine to itself.
    worker_args = ["true"] if options.no_ingest else [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
        "-c", str(options.worker_concurrency), "-l", "warning", "--without-gossip", "--without-mingle",
        "--without-heartbeat", "--prefetch-multiplier", "4"]
    worker = subprocess.Popen(worker_args, cwd=ROOT, env=env, stdout=open(tmp / "worker.log", "wb"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    figures: dict = {}
    try:
        wait_http(f"http://127.0.0.1:{port}/accounts/login/")
        import urllib.request

        for entry in paths[:10]:  # warm every worker's caches and connections once
            request = urllib.request.Request(f"http://127.0.0.1:{port}{entry['path']}", headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 200, entry
        ingest_before = article_counts(db_url)
        if not options.no_ingest:
            jsonl = tmp / "ingest.jsonl"
            write_jsonl(jsonl, options.ingest)
            print(f"storing and queueing {options.ingest} articles ...")
            subprocess.run([sys.executable, "manage.py", "ingest", "--async", "--quiet", str(jsonl)], cwd=ROOT, env=env,
                           check=True, stdout=subprocess.DEVNULL)
            time.sleep(3)  # the worker is at full speed before the load starts
            ingest_before = article_counts(db_url)
        script = tmp / "rotate.lua"
        per_thread = max(1, options.max_requests // 2)
        script.write_text(lua_script(paths, per_thread, cookie, options.think_ms))
        print(f"load: {options.analysts} analysts, up to {options.duration} s / {options.max_requests} requests ...")
        began = time.monotonic()
        result = subprocess.run(
            [wrk, "-t", "2", "-c", str(options.analysts), "-d", f"{options.duration}s", "--timeout", "10s", "--latency",
             "-s", str(script), f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=options.duration + 60,
        )
        elapsed = time.monotonic() - began
        ingest_after = article_counts(db_url)
        line = next((x for x in result.stderr.splitlines() if x.startswith("LOADTEST-JSON ")), None)
        if line is None:
            print(result.stdout, result.stderr)
            raise SystemExit("wrk printed no figures")
        raw = json.loads(line.split(" ", 1)[1])
        seconds = raw["duration_us"] / 1e6
        errors = raw["non2xx"] + raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"]
        figures = {
            "analysts": options.analysts,
            "think_ms": options.think_ms,
            "requests": raw["requests"],
            "seconds": round(seconds, 1),
            "rps": round(raw["requests"] / seconds, 1),
            "errors": errors,
            "p50_ms": round(raw["p50_us"] / 1000, 1),
            "p90_ms": round(raw["p90_us"] / 1000, 1),
            "p95_ms": round(raw["p95_us"] / 1000, 1),
            "p99_ms": round(raw["p99_us"] / 1000, 1),
            "max_ms": round(raw["max_us"] / 1000, 1),
            "ingest_processed_during_load": ingest_after[0] - ingest_before[0],
            "ingest_articles_per_s": round((ingest_after[0] - ingest_before[0]) / elapsed, 1),
            "ingest_done_total": f"{ingest_after[0]}/{ingest_after[1]}",
            "contacts": options.contacts,
            "web": f"gunicorn {options.web_workers} x {options.web_threads} gthread",
            "cpus": os.cpu_count(),
        }
        figures["target_met"] = (figures["rps"] >= TARGET["rps"] and figures["errors"] == TARGET["errors"]
                                 and figures["p95_ms"] <= TARGET["p95_ms"])
        print(result.stdout)
        print(f"{figures['requests']} requests in {figures['seconds']} s: {figures['rps']} req/s, "
              f"{figures['errors']} errors, p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
              f"p99 {figures['p99_ms']} ms; ingest processed {figures['ingest_processed_during_load']} articles "
              f"during the load ({figures['ingest_articles_per_s']}/s)")
        print(service_times(tmp / "access.log"))
        print(json.dumps(figures))
        if options.json_out:
            Path(options.json_out).write_text(json.dumps(figures, indent=2))
    finally:
        stop(web)
        stop(worker)
        app.control.purge()
    return 0 if figures.get("target_met") else 1


if __name__ == "__main__":
    sys.exit(main())
