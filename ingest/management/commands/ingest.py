"""`manage.py ingest FILE|URL ...`: run feeds, pages, JSONL, .txt and .html files through the pipeline.

Synchronous by default, printing what became of each article; `--async` stores the inputs and queues
the processing on the Celery workers instead, in batches (one task per 100 articles with their text, per
10 pages to fetch). Exit status 0 when every input was handled (an article
that failed with a reason counts as handled), non-zero only when the command could not run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ingest import pipeline
from ingest.models import Article


class Command(BaseCommand):
    help = "Ingest feed URLs, page URLs, JSONL files (one article a line), .txt and .html files."

    def add_arguments(self, parser):
        parser.add_argument("inputs", nargs="+", metavar="FILE|URL")
        parser.add_argument("--async", dest="run_async", action="store_true", help="queue on the Celery workers")
        parser.add_argument("--retry-failed", action="store_true", help="run articles that failed before again")
        parser.add_argument("--quiet", action="store_true", help="print only the summary")

    def handle(self, *args, inputs, run_async, retry_failed, quiet, **options):
        articles: list[Article] = []
        for item in inputs:
            try:
                if item.startswith(("http://", "https://")):
                    articles += pipeline.ingest_url(item)
                else:
                    articles += pipeline.ingest_file(Path(item))
            except pipeline.InputError as exc:
                raise CommandError(str(exc)) from exc
        if retry_failed:
            for article in articles:
                if article.status == Article.Status.FAILED:
                    pipeline.article_retry(article)
        ids = list(dict.fromkeys(a.pk for a in articles))
        if run_async:
            from ingest.tasks import queue_articles

            tasks = queue_articles(ids)
            self.stdout.write(f"queued {len(ids)} articles in {tasks} batches")
            return
        outcomes = pipeline.process_all(ids)
        counts = Counter(outcome.status for outcome in outcomes)
        if not quiet:
            for outcome in outcomes:
                self.stdout.write(outcome.line())
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.stdout.write(f"{len(outcomes)} articles: {summary}")
