"""Serve the hostile feeds from feedparser's test suite on loopback and ingest each one.

    DATABASE_URL=... .venv/bin/python scripts/check_hostile_feeds.py [FOLDER ...]

Defaults to ../shared/hostile/feedparser/{illformed,sanitize}. Every feed goes through the same
pipeline as `manage.py ingest URL`; the script prints what became of it and of its articles, checks
that nothing crashed, that every article ends with a clear status, and that no stored text carries
markup. All writes happen in one transaction that is rolled back at the end, so the database is
left as it was. Exit status 1 if any check failed.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ["INGEST_ALLOW_PRIVATE_NETWORKS"] = "1"  # the feeds are served on loopback

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from ingest import pipeline  # noqa: E402
from ingest.models import Article  # noqa: E402

DEFAULT_FOLDERS = [ROOT.parent / "shared" / "hostile" / "feedparser" / name for name in ("illformed", "sanitize")]
CLEAR = {"irrelevant", "proposed", "linked", "duplicate", "failed"}
MARKUP = ("<script", "javascript:", "onerror=", "onclick=", "<iframe", "<object", "<embed")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def guess_type(self, path):
        return "application/xml" if str(path).endswith(".xml") else super().guess_type(path)


class Rollback(Exception):
    pass


def check_folder(folder: Path) -> list[str]:
    problems: list[str] = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        for feed in sorted(folder.glob("*.xml")):
            url = f"http://127.0.0.1:{port}/{feed.name}"
            try:
                articles = pipeline.ingest_url(url)
                outcomes = pipeline.process_all([a.pk for a in articles])
            except Exception as exc:  # the check: nothing may crash
                problems.append(f"{feed.name}: CRASH {type(exc).__name__}: {exc}")
                print(f"CRASH      {feed.name}: {type(exc).__name__}: {exc}")
                continue
            statuses = Counter(o.status for o in outcomes)
            detail = "; ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
            reasons = {o.detail for o in outcomes if o.status == "failed"}
            print(f"{feed.name:<50} {detail}{'  (' + ' | '.join(sorted(reasons))[:150] + ')' if reasons else ''}")
            for outcome in outcomes:
                if outcome.status not in CLEAR:
                    problems.append(f"{feed.name}: article {outcome.article_id} ended as {outcome.status!r}")
            for article in Article.objects.filter(pk__in=[o.article_id for o in outcomes if o.article_id]):
                stored = f"{article.title}\n{article.text}".lower()
                found = [m for m in MARKUP if m in stored]
                if found:
                    problems.append(f"{feed.name}: stored text of article {article.pk} carries {found}")
    finally:
        server.shutdown()
    return problems


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv] or DEFAULT_FOLDERS
    problems: list[str] = []
    try:
        with transaction.atomic():
            for folder in folders:
                print(f"== {folder}")
                problems += check_folder(folder)
            raise Rollback
    except Rollback:
        pass
    print()
    if problems:
        print(f"{len(problems)} problems:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print("All feeds handled: no crash, every article with a clear status, no markup stored.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
