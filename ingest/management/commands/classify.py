"""`manage.py classify --jsonl IN [--out OUT]`: one prediction a line, without touching the database."""

from __future__ import annotations

import json
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from ingest.pipeline.classify import ArticleInput, analyze, prediction


def parse_published(value) -> date | None:
    """The publication day of a JSONL line: an ISO date or datetime string, or nothing."""
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def article_from_record(record: dict) -> ArticleInput:
    """An ArticleInput from one JSONL record (id, url, source, published, title, text)."""
    return ArticleInput(
        id=str(record.get("id") or ""),
        url=str(record.get("url") or ""),
        source=str(record.get("source") or ""),
        published=parse_published(record.get("published")),
        title=str(record.get("title") or ""),
        text=str(record.get("text") or ""),
    )


class Command(BaseCommand):
    help = "Classify articles from a JSONL file (id, url, source, published, title, text); no database needed."
    # Classification needs no database: skip the system checks that could reach one.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--jsonl", required=True, help="input file, one article a line ('-' for stdin)")
        parser.add_argument("--out", help="output file (default: standard output)")
        parser.add_argument("--reasons", action="store_true",
                            help="add to each line the rules that decided it ('reasons'), as an editor sees them")

    def handle(self, *args, **options):
        source = sys.stdin if options["jsonl"] == "-" else None
        try:
            handle = source or open(options["jsonl"], encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {options['jsonl']}: {exc}") from exc
        out = open(options["out"], "w", encoding="utf-8") if options.get("out") else self.stdout
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CommandError(f"line {number}: not JSON ({exc})") from exc
                if not isinstance(record, dict):
                    raise CommandError(f"line {number}: not a JSON object")
                article = article_from_record(record)
                analysis = analyze(article)
                line = prediction(article.id, analysis)
                if options.get("reasons"):
                    line["reasons"] = analysis.reasons
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        finally:
            if handle is not sys.stdin:
                handle.close()
            if out is not self.stdout:
                out.close()
