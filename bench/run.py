"""`manage.py bench`: generate, measure, print one table and write it into BENCHMARKS.md.

Besides the main database (DATABASE_URL), two sibling databases are prepared on the same server
when their parts run: `<name>_tiny` (a few hundred contacts, for query counts that must not grow
with the data) and `<name>_csv` (1,000,000 contacts, for the CSV export at the size the target
names). Each is generated once and reused while its row counts match.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import subprocess
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

from bench import measure
from bench.generate import Scale, check_target, generate

PARTS = ("generate", "pages", "csv", "classify", "ingest", "querycounts", "report")
ROOT = Path(settings.BASE_DIR)
OUT = ROOT / "bench" / "out"
BENCHMARKS = ROOT / "BENCHMARKS.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
TINY = Scale(contacts=500, delegations=100, persons=100, articles=1_000)
CSV_ROWS = 1_000_000
CLASSIFY_ARTICLES = 2_000


def database_url(suffix: str = "") -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}{suffix}"


def manage(args: list[str], url: str, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=url)
    return subprocess.run([measure.PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def prepare_database(suffix: str, scale: Scale, log: Callable[[str], None]) -> str:
    """Create, migrate and fill a sibling database unless it already holds exactly this scale."""
    url = database_url(suffix)
    name = connection.settings_dict["NAME"] + suffix
    db = connection.settings_dict
    with psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    manage(["migrate", "-v0"], url)
    with psycopg.connect(url) as conn:
        contacts = conn.execute("SELECT count(*) FROM contacts_contact").fetchone()[0]
        articles = conn.execute("SELECT count(*) FROM ingest_article").fetchone()[0]
    if (contacts, articles) != (scale.contacts, scale.articles):
        log(f"generating {name}: {scale.describe()}")
        manage(
            [
                "bench",
                "--only",
                "generate",
                "--no-write",
                "--contacts",
                str(scale.contacts),
                "--delegations",
                str(scale.delegations),
                "--persons",
                str(scale.persons),
                "--articles",
                str(scale.articles),
                "--seed",
                str(scale.seed),
            ],
            url,
        )
    else:
        log(f"reusing {name} ({contacts:,} contacts, {articles:,} articles)")
    return url


def machine() -> dict[str, str]:
    meminfo = Path("/proc/meminfo").read_text()
    ram_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('server_version'), current_setting('shared_buffers'), current_setting('work_mem')"
        )
        version, shared_buffers, work_mem = cursor.fetchone()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpus": str(os.cpu_count()),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "ram": f"{ram_kib / 1024 / 1024:.0f} GiB",
        "postgres": f"PostgreSQL {version} (shared_buffers {shared_buffers}, work_mem {work_mem})",
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "commit": commit,
    }


def counts_in(url: str) -> dict[str, int | None]:
    """Query counts from a sibling database, measured by a child process pointed at it."""
    path = OUT / "querycounts-tiny.json"
    manage(["bench", "--only", "querycounts", "--skip-generate", "--no-write", "--json-out", str(path)], url)
    return json.loads(path.read_text())


def dataset_counts() -> dict[str, int]:
    tables = [
        "contacts_contact",
        "contacts_delegation",
        "contacts_person",
        "contacts_personalias",
        "contacts_participant",
        "contacts_evidence",
        "ingest_article",
    ]
    with connection.cursor() as cursor:
        result = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            result[table] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        result["size"] = cursor.fetchone()[0]
    return result


def render(
    info: dict, scale_line: str, results: list[measure.Result], counts: dict | None, generation: dict | None
) -> str:
    lines = [
        "## Benchmark (`python manage.py bench`)",
        "",
        f"Measured {info['date']} on {info['cpus']} × {info['cpu']}, {info['ram']} RAM, {info['postgres']}, "
        f"Python {info['python']}, commit {info['commit']}; load average at start {info['load']} "
        "(other processes share the machine: figures are upper bounds).",
        "",
        f"Scale: {scale_line}.",
        "",
        "Pages are served by gunicorn (`config.wsgi`, sync workers, DEBUG=0, whitenoise) and requested one at a "
        "time over HTTP/1.1 keep-alive; p50/p95 over the timed requests after a warm-up.",
        "",
        "| Measurement | Target | Result | |",
        "|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r.name} | {r.target} | {r.value} | {r.verdict} |")
    if counts:
        lines += [
            "",
            "Queries per page (in process, uncached), small vs full data — they must not grow:",
            "",
            f"| Page | {counts['tiny_label']} | {counts['full_label']} |",
            "|---|---|---|",
        ]
        for page, full in counts["full"].items():
            tiny = counts["tiny"].get(page)
            lines.append(f"| {page} | {'n/a' if tiny is None else tiny} | {'n/a' if full is None else full} |")
    if generation:
        lines += [
            "",
            "Dataset generation (COPY, triggers off for the session, secondary indexes dropped and "
            "rebuilt): " + ", ".join(f"{k} {v:.0f} s" for k, v in generation.items()) + ".",
        ]
    return "\n".join(lines)


def same_data(saved: str, current: str) -> bool:
    """Two scale lines describe the same data: equal row counts and seed (the on-disk size may differ)."""
    return re.sub(r"; database [^;]+", "", saved) == re.sub(r"; database [^;]+", "", current)


def remember_and_merge(
    by_part: dict[str, list[measure.Result]], info: dict, scale_line: str, log: Callable[[str], None]
) -> list[measure.Result]:
    """Keep each part's latest results, and fill the table's other parts from their last run on the same data.

    So `--only csv` refreshes the CSV line without dropping the page timings measured earlier; a line
    carried over says when it was measured.
    """
    results: list[measure.Result] = []
    for part in PARTS:
        path = OUT / f"last-{part}.json"
        if part in by_part:
            path.write_text(
                json.dumps(
                    {
                        "date": info["date"],
                        "load": info["load"],
                        "scale": scale_line,
                        "results": [asdict(r) for r in by_part[part]],
                    },
                    default=str,
                )
            )
            results += by_part[part]
        elif path.exists():
            saved = json.loads(path.read_text())
            if not same_data(saved["scale"], scale_line):
                continue
            log(f"{part}: carrying over the results of {saved['date']}")
            for row in saved["results"]:
                row["name"] += f" (measured {saved['date']}, load {saved['load'].split()[0]})"
                results.append(measure.Result(**row))
    return results


def write_section(section: str) -> None:
    """Replace the bench section of BENCHMARKS.md, leaving every other section as it is."""
    block = f"{START}\n{section}\n{END}"
    if BENCHMARKS.exists():
        current = BENCHMARKS.read_text()
        if START in current and END in current:
            head, rest = current.split(START, 1)
            _, tail = rest.split(END, 1)
            BENCHMARKS.write_text(head + block + tail)
            return
        BENCHMARKS.write_text(current.rstrip() + "\n\n" + block + "\n")
        return
    BENCHMARKS.write_text("# Benchmarks\n\n" + block + "\n")


def main(
    scale: Scale,
    *,
    parts: list[str],
    skip_generate: bool,
    requests: int,
    keep_indexes: bool,
    port: int,
    workers: int,
    write: bool,
    force: bool,
    log: Callable[[str], None],
    json_out: str | None = None,
    deep_page: int = 1000,
    keep_articles: bool = False,
) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    check_target(connection.settings_dict["NAME"], force)
    generation = None
    if "generate" in parts and not skip_generate:
        generation = generate(scale, drop_indexes=not keep_indexes, force=force, keep_articles=keep_articles, log=log)
        log("generation: " + ", ".join(f"{k} {v:.1f} s" for k, v in generation.items()))
    if parts == ["querycounts"] and json_out:
        Path(json_out).write_text(json.dumps(measure.query_counts()))
        return
    info = {**machine(), "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    data = dataset_counts()
    scale_line = (
        f"{data['contacts_contact']:,} contacts, {data['contacts_delegation']:,} delegations, "
        f"{data['contacts_person']:,} persons ({data['contacts_personalias']:,} aliases), "
        f"{data['contacts_participant']:,} participants, {data['contacts_evidence']:,} evidence, "
        f"{data['ingest_article']:,} articles; database {data['size']}; seed {scale.seed}"
    )
    log(f"machine: {info}")
    log(f"scale: {scale_line}")

    by_part: dict[str, list[measure.Result]] = {}
    if {"pages", "csv"} & set(parts):
        measure.collectstatic(log)
    if "pages" in parts:
        with measure.gunicorn(database_url(), port, workers, log) as server:
            by_part["pages"] = measure.page_latencies(server, requests, log, deep_page=deep_page)
    if "csv" in parts:
        if data["contacts_contact"] >= CSV_ROWS:
            url = database_url()
        else:
            ratio = CSV_ROWS / max(scale.contacts, 1)
            url = prepare_database(
                "_csv",
                replace(
                    scale,
                    contacts=CSV_ROWS,
                    delegations=round(scale.delegations * ratio),
                    articles=min(scale.articles, 100_000),
                ),
                log,
            )
        with measure.gunicorn(url, port + 1, workers, log, statement_timeout_s=3600) as server:
            by_part["csv"] = [measure.csv_export(server, log)]
    if "classify" in parts:
        by_part["classify"] = [measure.classify_speed(CLASSIFY_ARTICLES, log)]
    if "ingest" in parts:
        by_part["ingest"] = measure.ingest_benchmark(log)
    counts = None
    if "querycounts" in parts:
        tiny_url = prepare_database("_tiny", TINY, log)
        counts = {
            "tiny_label": f"{TINY.contacts:,} contacts",
            "full_label": f"{data['contacts_contact']:,} contacts",
            "tiny": counts_in(tiny_url),
            "full": measure.query_counts(),
        }
    counts_path = OUT / "last-querycounts-table.json"
    if counts:
        counts_path.write_text(json.dumps({"scale": scale_line, "counts": counts}))
    elif counts_path.exists() and same_data(json.loads(counts_path.read_text())["scale"], scale_line):
        counts = json.loads(counts_path.read_text())["counts"]  # carried over, like the other parts
    if not by_part and not counts and "report" not in parts:
        return
    results = remember_and_merge(by_part, info, scale_line, log)
    section = render(info, scale_line, results, counts, generation)
    log("\n" + section + "\n")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M")
    (OUT / f"results-{stamp}.json").write_text(
        json.dumps(
            {
                "info": info,
                "scale": scale_line,
                "results": [asdict(r) for r in results],
                "counts": counts,
                "generation": generation,
            },
            indent=2,
            default=str,
        )
    )
    if write:
        write_section(section)
        log(f"wrote {BENCHMARKS.relative_to(ROOT)}")
