"""Ingest throughput end to end, with a real Celery worker (prefork, 2 processes) on the real Redis.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/ingest_bench.py [--articles 10000] [--pages 1000]

Runs in a database of its own (DATABASE_URL's name + "_ingestbench", dropped and migrated first), so
it never touches the data it is pointed at. Three runs, each from stored input to every article in a
final status (linked, proposed, irrelevant, duplicate or failed), timing storing, queueing and the
workers' processing together:
1. the labelled corpus (../shared/corpus/dev.jsonl) as JSONL;
2. 10,000 articles made by varying the corpus: its dated articles again and again, each pass two weeks
   later (dates in the text and the page), so each is a distinct event (no duplicate short-cut);
   then 10,000 made by recombining the corpus's sentences (each distinct, several events in one);
3. HTML pages served by a local HTTP server and fetched by the workers (fetch + trafilatura + pipeline).
The workers are warmed up first (gazetteers loaded), as they are in a running system. Prints one line
per run and, last, a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import html
import http.server
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
FINAL = ("linked", "proposed", "irrelevant", "duplicate", "failed")


def sibling_database_url(url: str, suffix: str) -> str:
    """The URL of a throwaway database named after the configured one (`atlas` -> `atlas<suffix>`)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "contact_atlas"
    name = name if name.endswith(suffix) else name + suffix
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def prepare_database(url: str) -> None:
    """Drop and create the database at `url`, then migrate it."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--skip-checks", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )


def corpus_records() -> list[dict]:
    return [json.loads(line) for line in (CORPUS / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line]


def synthetic_records(count: int, seed: int = 7) -> list[dict]:
    """Distinct articles recombined from the corpus's sentences, with a dateline first when one exists."""
    rng = random.Random(seed)
    records = corpus_records()
    sentences, datelines = [], []
    for record in records:
        for sentence in re.split(r"(?<=[.!?])\s+", record["text"]):
            sentence = sentence.strip()
            if len(sentence) > 40:
                (datelines if re.match(r"^[A-Z][A-Za-z ]+, [A-Z][a-z]+ \d+ \(", sentence) else sentences).append(
                    sentence
                )
    out = []
    for i in range(count):
        parts = ([rng.choice(datelines)] if datelines and rng.random() < 0.6 else []) + rng.sample(sentences, 4)
        source = rng.choice(records)
        out.append(
            {
                "id": f"syn-{i}",
                "url": f"https://bench.example/{source['source'] or 'wire'}/{i}".replace(" ", "-"),
                "source": source["source"],
                "published": source["published"],
                "title": source["title"],
                "text": " ".join(parts),
            }
        )
    return out


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_MONTH_DAY = re.compile(rf"\b({'|'.join(_MONTHS)}) (\d{{1,2}})\b(, (\d{{4}}))?")


def _shift_text(text: str, days: int, year: int) -> str:
    """Every "March 25" (or "March 25, 2024") moved `days` later; a whole number of weeks keeps weekdays right."""
    import datetime as dt

    def shifted(match: re.Match) -> str:
        try:
            day = dt.date(int(match.group(4) or year), _MONTHS.index(match.group(1)) + 1, int(match.group(2)))
        except ValueError:
            return match.group(0)
        day += dt.timedelta(days=days)
        return f"{_MONTHS[day.month - 1]} {day.day}" + (f", {day.year}" if match.group(4) else "")

    return _MONTH_DAY.sub(shifted, text)


def variant_records(count: int) -> list[dict]:
    """The corpus, then its dated articles again and again, each pass two weeks later: the same outlets
    reporting the same kinds of events (trips, meetings, messages, with their leaders, places and
    weekdays) on other days.

    Unlike `synthetic_records`, every article reads exactly like a real one (one event, its own dateline),
    so consolidation sees realistic trips: the same leader travels again months later, not every day.
    """
    import datetime as dt

    records = corpus_records()
    # After the first pass, only the articles that give a date in their text: the others would come out
    # word for word the same, i.e. republications (duplicates), which cost the pipeline almost nothing.
    dated = [r for r in records if _MONTH_DAY.search(r["text"])]
    out = []
    for i in range(count):
        if i < len(records):
            record, weeks = records[i], 0
        else:
            record, weeks = dated[(i - len(records)) % len(dated)], 2 * (1 + (i - len(records)) // len(dated))
        published = record.get("published") or ""
        year = int(published[:4]) if published[:4].isdigit() else 2024
        if weeks and published:
            published = (dt.date.fromisoformat(published[:10]) + dt.timedelta(weeks=weeks)).isoformat()
        out.append(
            {
                "id": f"{record['id']}-v{i}",
                "url": f"{record['url'] or 'https://wire.example/item'}?variant={i}" if weeks else record["url"],
                "source": record["source"],
                "published": published,
                "title": _shift_text(record["title"], 7 * weeks, year),
                "text": _shift_text(record["text"], 7 * weeks, year),
            }
        )
    return out


def page_html(record: dict) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in record["text"].split("\n") if p.strip())
    nav = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(25))
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(record['title'])}</title>"
        f"<meta property='article:published_time' content='{record['published'] or ''}'></head><body>"
        f"<header><ul>{nav}</ul></header><main><article><h1>{html.escape(record['title'])}</h1>{paragraphs}"
        f"</article><aside><h2>Most read</h2><ul>{nav}</ul></aside></main>"
        f"<footer><p>Copyright. All rights reserved. Contact us. Privacy policy.</p></footer></body></html>"
    ).encode()


class PageServer:
    """A loopback HTTP server answering /page/<i> with the i-th synthetic article as an HTML page."""

    def __init__(self, records: list[dict]) -> None:
        bodies = [page_html(r) for r in records]

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                try:
                    body = bodies[int(self.path.rsplit("/", 1)[-1])]
                except (ValueError, IndexError):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "-c",
            "2",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--prefetch-multiplier",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_worker(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


_WORKER: subprocess.Popen | None = None


def worker_cpu() -> float:
    """User + system CPU seconds used so far by the worker and its pool processes (from /proc)."""
    if _WORKER is None:
        return 0.0
    pids = [_WORKER.pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{_WORKER.pid}/task/{_WORKER.pid}/children").read_text().split()]
    except OSError:
        pass
    return sum(_proc_cpu(pid) for pid in pids)


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def postgres_cpu() -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to this database (the workers' and ours)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return {pid: _proc_cpu(pid) for (pid,) in cursor.fetchall()}


def run_batch(label: str, store, unit: str = "articles") -> dict:
    """Store (callable returning article ids), queue, wait until all are final; return the figures.

    Reports wall time and CPU: the worker's processes (from /proc; a pool process that was replaced
    takes its CPU with it, so this is a lower bound) and this process (storing and queueing).
    """
    workers_before, database_before = worker_cpu(), postgres_cpu()
    from ingest.models import Article
    from ingest.tasks import queue_articles

    started, cpu = time.perf_counter(), time.process_time()
    ids = store()
    stored = time.perf_counter()
    queue_articles(ids)  # in batches, as `manage.py ingest --async` and the source polls queue them
    queued = time.perf_counter()
    # Polled by id range (a run's articles are consecutive rows in this database): an IN list of
    # 10,000 ids ten times a second would cost this process more CPU than the workers' queries.
    waiting = Article.objects.filter(pk__gte=min(ids), pk__lte=max(ids), status__in=["pending", "fetched"])
    while waiting.exists():
        time.sleep(0.1)
    done = time.perf_counter()
    statuses = Counter(Article.objects.filter(pk__in=ids).values_list("status", flat=True))
    rate = len(ids) / (done - started)
    workers = worker_cpu() - workers_before
    producer = time.process_time() - cpu
    database = sum(cpu - database_before.get(pid, 0.0) for pid, cpu in postgres_cpu().items())
    total_ms = 1000 * (workers + producer + database) / len(ids)
    print(
        f"{label}: {len(ids)} {unit} in {done - started:.1f} s = {rate:.0f} {unit}/s "
        f"(store {stored - started:.1f} s, queue {queued - stored:.1f} s; CPU: workers {workers:.1f} s = "
        f"{1000 * workers / len(ids):.1f} ms per {unit[:-1]}, PostgreSQL {database:.1f} s, this process {producer:.1f} s; "
        f"all together {total_ms:.1f} ms per {unit[:-1]}, i.e. {2000 / total_ms:.0f} {unit}/s on two idle cores; "
        f"load {os.getloadavg()[0]:.2f}) — {dict(sorted(statuses.items()))}",
        flush=True,
    )
    return {"n": len(ids), "seconds": round(done - started, 2), "rate": round(rate, 1), "statuses": dict(statuses),
            "worker_cpu_ms_per_item": round(1000 * workers / len(ids), 1), "producer_cpu_s": round(producer, 2),
            "postgres_cpu_s": round(database, 2), "cpu_ms_per_item": round(total_ms, 1),
            "load": round(os.getloadavg()[0], 2)}


class FeedServer:
    """A loopback feed (/feed.xml) whose items can be published while it runs, and their pages (/news/<n>)."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str, str]] = []  # (n, title, text)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                if self.path == "/feed.xml":
                    entries = "".join(
                        f"<item><title>{html.escape(title)}</title><link>{server.base}/news/{n}</link>"
                        f"<description>{html.escape(text[:80])}</description></item>"
                        for n, title, text in server.items
                    )
                    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{entries}</channel></rss>'
                    kind = "application/rss+xml"
                else:
                    found = [item for item in server.items if f"/news/{item[0]}" == self.path]
                    if not found:
                        self.send_error(404)
                        return
                    body = page_html({"title": found[0][1], "text": found[0][2], "published": ""}).decode()
                    kind = "text/html; charset=utf-8"
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(self, title: str, text: str) -> str:
        n = len(self.items)
        self.items.append((n, title, text))
        return f"{self.base}/news/{n}"


def feed_latency(samples: int) -> dict:
    """From an item appearing in a polled feed (interval 1 minute) to its proposal, with a real beat and worker.

    Beat ticks every minute (poll_due_sources); the source is due at each tick; the worker polls it,
    stores the new entry, fetches its page and runs the pipeline.
    """
    from ingest.models import Proposal, Source

    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "warning",
         "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler", "-s", "/tmp/celerybeat-ingestbench"],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    feed = FeedServer()
    reports = [r for r in corpus_records() if r["label"].get("relevant")]
    try:
        feed.publish("Weather in Pyongyang", "Sunny all week in Pyongyang. " * 20)  # an empty feed is an error
        source = Source.objects.create(name="Latency wire", url=f"{feed.base}/feed.xml", interval_minutes=1)
        deadline = time.monotonic() + 180
        while Source.objects.get(pk=source.pk).last_success_at is None:  # the first poll
            if time.monotonic() > deadline:
                raise RuntimeError(f"beat did not poll the source: {Source.objects.get(pk=source.pk).last_error}")
            time.sleep(0.5)
        latencies = []
        for i in range(samples):
            record = reports[i % len(reports)]
            published = time.monotonic()
            url = feed.publish(f"{record['title']} ({i})", record["text"])
            while not Proposal.objects.filter(article__url=url).exists():
                if time.monotonic() - published > 300:
                    raise RuntimeError(f"no proposal for {url} after 300 s")
                time.sleep(0.2)
            latencies.append(round(time.monotonic() - published, 1))
            print(f"feed item {i + 1}: proposal {latencies[-1]} s after it was published", flush=True)
            time.sleep(7 * (i + 1))  # publish at different points of the minute
        return {"samples_s": latencies, "max_s": max(latencies), "interval_s": 60}
    finally:
        feed.server.shutdown()
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=1_000)
    parser.add_argument("--feed-latency", type=int, default=0, metavar="N",
                        help="only measure feed item to proposal latency, N times (beat + worker, 1-minute interval)")
    args = parser.parse_args()

    url = sibling_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/contact_atlas"), "_ingestbench"
    )
    prepare_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["INGEST_ALLOW_PRIVATE_NETWORKS"] = "1"  # the pages are served on loopback
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from config.celery import app
    from ingest import pipeline
    from ingest.models import Article

    app.control.purge()
    global _WORKER
    worker = _WORKER = start_worker(dict(os.environ))
    # A SIGTERM (timeout, Ctrl-C from a wrapper) must still stop the worker: raise so `finally` runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    figures: dict[str, object] = {}
    try:
        warm = [
            pipeline.ingest_text(
                text_body=f"Pyongyang, March {d} (KCNA) -- Kim Jong Un met a delegation.",
                url=f"https://warmup.example/{d}",
                published="2024-03-01",
            )
            for d in range(1, 9)
        ]
        from ingest.tasks import queue_articles

        queue_articles([article.pk for article in warm])
        deadline = time.monotonic() + 300
        while Article.objects.filter(pk__in=[a.pk for a in warm]).exclude(status__in=FINAL).exists():
            if time.monotonic() > deadline or worker.poll() is not None:
                print("worker did not start", file=sys.stderr)
                return 2
            time.sleep(0.2)
        if args.feed_latency:
            print(json.dumps({"feed_to_proposal": feed_latency(args.feed_latency)}))
            return 0

        corpus_path = CORPUS / "dev.jsonl"
        corpus = run_batch("corpus JSONL (dev.jsonl)", lambda: [a.pk for a in pipeline.ingest_jsonl(corpus_path)])
        figures["dev.jsonl (95 articles)"] = corpus

        tmp = ROOT / "bench" / "out"
        tmp.mkdir(parents=True, exist_ok=True)
        for kind, make in (("corpus variants", variant_records), ("recombined sentences", synthetic_records)):
            path = tmp / f"ingest_{kind.split()[0]}.jsonl"
            path.write_text("".join(json.dumps(r) + "\n" for r in make(args.articles)), encoding="utf-8")
            big = run_batch(f"{kind} JSONL ({args.articles})", lambda p=path: [a.pk for a in pipeline.ingest_jsonl(p)])
            figures[f"{args.articles:,} {kind} (JSONL)"] = big

        pages = [dict(r, title=f"{r['title']} ({i})") for i, r in enumerate(synthetic_records(args.pages, seed=11))]
        server = PageServer(pages)
        try:

            def store_pages():
                return [
                    pipeline.store.article_get_or_create(url=f"{server.base}/page/{i}")[0].pk for i in range(len(pages))
                ]

            html_run = run_batch(f"HTML pages fetched over HTTP ({args.pages})", store_pages, unit="pages")
        finally:
            server.close()
        figures[f"{args.pages:,} HTML pages over HTTP"] = html_run
    finally:
        stop_worker(worker)
    out = ROOT / "bench" / "out" / "ingest_bench.json"
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    # Last line: one short figure per run (bench/measure.py puts each in the benchmark table).
    summary = {
        label: f"{run['rate']:.0f}/s wall at load {run['load']}; {run['cpu_ms_per_item']} ms CPU each "
               f"(workers {run['worker_cpu_ms_per_item']}) = {2000 / run['cpu_ms_per_item']:.0f}/s on 2 idle cores"
        for label, run in figures.items()
    }
    summary["targets"] = ">= 100 articles/s JSONL/text, >= 40 pages/s HTML (2 worker processes)"
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
