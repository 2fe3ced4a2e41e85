"""Measure trip folding: ingest a trips JSONL into empty databases and score `export_delegations --json`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atlas .venv/bin/python scripts/trips_eval.py \
        --jsonl ../shared/corpus/trips-dev.jsonl --truth ../shared/corpus/trips-dev-truth.json

For each run (file order, reverse order, file order twice) a fresh database `<name>_trips_<run>` is
copied from a template holding only the migrated schema and `load_reference`, the articles are
ingested with `manage.py ingest`, and the export is scored against the truth:
- delegations per trip: how many delegations led by the trip's leader (or by nobody named) cite the
  trip's articles (an article cited by none counts as one more); delegations of other leaders that an
  article also reports are listed apart; a delegation citing articles of two trips is reported as a merge;
- stop order: the non-transit stops of the delegation citing most of the trip's articles are stops of
  the trip in the right order (country equal, city equal when the truth names one; an extra or
  swapped stop is wrong, a stop no article names is only counted in `stops found`);
- arrival dates: share of the truth's known arrival days the matching stop has (transit stops the
  export leaves out are not counted: the truth allows leaving them out).
Prints one line per trip and run, then the totals; `--json` prints them as JSON. Exit 0 always.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _fold(name: str | None) -> str:
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _same_leader(a: str | None, b: str | None) -> bool:
    """Romanisation-insensitive, as the corpus README scores names (a delegation with no leader counts)."""
    return not a or _fold(a).replace("sung", "song") == _fold(b).replace("sung", "song")


def _db_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _psql(base: str, sql: str) -> None:
    subprocess.run(["psql", _db_url(base, "postgres"), "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                   check=True, capture_output=True)


def _manage(url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def template_make(base: str, name: str) -> None:
    """A database with the schema and reference data only, copied for every run."""
    _psql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(base, f'CREATE DATABASE "{name}"')
    url = _db_url(base, name)
    _manage(url, "migrate", "--noinput")
    _manage(url, "load_reference")


def run_once(base: str, template: str, name: str, files: list[Path]) -> list[dict]:
    """Copy the template, ingest the files in turn, return the export lines."""
    _psql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = _db_url(base, name)
    for path in files:
        _manage(url, "ingest", "--quiet", str(path))
    return [json.loads(line) for line in _manage(url, "export_delegations", "--json").splitlines() if line.strip()]


def _stop_matches(truth: dict, stop: dict) -> bool:
    if truth["country"] != stop["country"]:
        return False
    return not truth.get("city") or _fold(truth["city"]) == _fold(stop.get("city"))


def _in_order(want: list[dict], got: list[dict]) -> tuple[bool, int]:
    """Whether every non-transit stop found is a stop of the trip, each after the one before; and how many.

    A stop no article names cannot be found, so a missing stop does not make the order wrong; an extra
    stop, or two stops swapped, does. At least one stop must be found.
    """
    position = 0
    for stop in got:
        index = next((i for i in range(position, len(want)) if _stop_matches(want[i], stop)), None)
        if index is None:
            return False, sum(any(_stop_matches(w, g) for g in got) for w in want)
        position = index + 1
    return bool(got), len(got)


def score(truth: list[dict], articles: dict[str, str], export: list[dict]) -> dict:
    """Score one export against the truth (see the module docstring)."""
    cited_by: dict[str, set[int]] = {}
    for line in export:
        for url in line["articles"]:
            cited_by.setdefault(url, set()).add(line["id"])
    by_id = {line["id"]: line for line in export}
    trips, delegations_total = [], 0
    arrivals_right = arrivals_known = order_right = 0
    trip_of_delegation: dict[int, set[str]] = {}
    for trip in truth:
        urls = [articles[a] for a in trip["article_ids"] if a in articles]
        counts: dict[int, int] = {}
        uncited, others = [], set()
        for url in urls:
            if not cited_by.get(url):
                uncited.append(url)
            for pk in cited_by.get(url, ()):
                if not _same_leader(by_id[pk]["leader"], trip["leader"]):
                    others.add(pk)  # another delegation the article also reports (a second journey)
                    continue
                counts[pk] = counts.get(pk, 0) + 1
                trip_of_delegation.setdefault(pk, set()).add(trip["trip"])
        n = len(counts) + (1 if uncited else 0)
        delegations_total += n
        main = by_id[max(counts, key=lambda pk: (counts[pk], -pk))] if counts else None
        stops = main["stops"] if main else []
        want = [s for s in trip["stops"] if not s.get("transit")]
        got = [s for s in stops if not s.get("transit")]
        in_order, found = _in_order(want, got)
        order_right += in_order
        dates = []
        used: set[int] = set()
        position = 0
        for t in trip["stops"]:
            # Each truth stop takes the next unused exported stop that matches it, in itinerary order (a
            # trip through China and back has two Chinese transits).
            index = next((i for i in range(position, len(stops)) if i not in used and _stop_matches(t, stops[i])),
                         None)
            if index is None:
                index = next((i for i in range(len(stops)) if i not in used and _stop_matches(t, stops[i])), None)
            if index is not None:
                used.add(index)
                position = index + 1
            if not t.get("arrived"):
                continue
            match = stops[index] if index is not None else None
            if match is None and t.get("transit"):
                continue  # a transit may be left out
            arrivals_known += 1
            right = bool(match) and match.get("arrived") == t["arrived"]
            arrivals_right += right
            dates.append(f"{t['country']}/{t.get('city')}:{match.get('arrived') if match else 'missing'}"
                         f"{'=' if right else '!='}{t['arrived']}")
        trips.append({
            "trip": trip["trip"],
            "delegations": n,
            "uncited": uncited,
            "other_leaders": sorted(others),
            "stops_in_order": in_order,
            "stops_found": f"{found}/{len(want)}",
            "want": [f"{s['country']}/{s.get('city')}" for s in want],
            "got": [f"{s['country']}/{s.get('city')}" for s in got],
            "got_all": [f"{s['country']}/{s.get('city')}{'(t)' if s['transit'] else ''}:{s['arrived']}..{s['departed']}"
                        for s in stops],
            "arrivals": dates,
        })
    merged = sorted(pk for pk, names in trip_of_delegation.items() if len(names) > 1)
    return {
        "trips": trips,
        "delegations_per_trip": round(delegations_total / max(1, len(truth)), 3),
        "stops_in_order": round(order_right / max(1, len(truth)), 3),
        "arrivals_right": round(arrivals_right / max(1, arrivals_known), 3),
        "arrivals": f"{arrivals_right}/{arrivals_known}",
        "merged_trips": merged,
        "delegations": len(export),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jsonl", required=True, type=Path)
    parser.add_argument("--truth", required=True, type=Path)
    parser.add_argument("--runs", default="order,reverse,twice", help="comma-separated: order, reverse, twice")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the run databases for inspection")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("DATABASE_URL must name a PostgreSQL server (its database name is used as a prefix)")
    prefix = urlsplit(base).path.lstrip("/") or "atlas"
    truth = json.loads(args.truth.read_text(encoding="utf-8"))
    lines = [line for line in args.jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = {json.loads(line)["id"]: json.loads(line)["url"] for line in lines}
    template = f"{prefix}_trips_template"
    template_make(base, template)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        forward, backward = Path(tmp, "forward.jsonl"), Path(tmp, "reverse.jsonl")
        forward.write_text("\n".join(lines) + "\n", encoding="utf-8")
        backward.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
        plans = {"order": [forward], "reverse": [backward], "twice": [forward, forward]}
        for run in args.runs.split(","):
            name = f"{prefix}_trips_{run}"
            export = run_once(base, template, name, plans[run])
            results[run] = score(truth, articles, export)
            if not args.keep:
                _psql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if not args.keep:
        _psql(base, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    if args.json:
        print(json.dumps(results, indent=1))
        return
    for run, result in results.items():
        for trip in result["trips"]:
            print(f"[{run}] {trip['trip']}: {trip['delegations']} delegation(s), stops in order: "
                  f"{trip['stops_in_order']}, found {trip['stops_found']}")
            print(f"    want {trip['want']}\n    got  {trip['got']}\n    all  {trip['got_all']}")
            print(f"    arrivals {trip['arrivals']}")
            if trip["uncited"]:
                print(f"    uncited {trip['uncited']}")
        print(f"[{run}] delegations/trip {result['delegations_per_trip']}  stops in order {result['stops_in_order']}"
              f"  arrivals right {result['arrivals_right']} ({result['arrivals']})  merged {result['merged_trips']}"
              f"  delegations {result['delegations']}")


if __name__ == "__main__":
    main()
