"""`manage.py evaluate --jsonl FILE`: classify labelled articles and print per-field scores as a table."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from ingest.management.commands.classify import article_from_record
from ingest.pipeline.classify import analyze, prediction
from ingest.pipeline.evaluation import FIELDS, TARGETS, evaluate, kind_of


class Command(BaseCommand):
    help = "Score the classifier against the `label` of each line of a JSONL file (see the corpus README)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--jsonl", required=True, help="labelled articles, one a line")
        parser.add_argument("--details", action="store_true", help="list every miss under the table")

    def handle(self, *args, **options):
        pairs = []
        try:
            with open(options["jsonl"], encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise CommandError(f"line {number}: not JSON ({exc})") from exc
                    label = record.get("label")
                    if not isinstance(label, dict):
                        continue
                    article = article_from_record(record)
                    pairs.append((article.id, label, prediction(article.id, analyze(article))))
        except OSError as exc:
            raise CommandError(f"cannot read {options['jsonl']}: {exc}") from exc
        if not pairs:
            raise CommandError("no labelled lines")
        scores = evaluate(pairs)
        relevant = sum(1 for _, label, _ in pairs if label.get("relevant"))
        self.stdout.write(f"{len(pairs)} labelled articles, {relevant} relevant\n")
        self.stdout.write(f"{'field':<16} {'metric':<9} {'score':>6} {'target':>7}  detail")
        self.stdout.write("-" * 64)
        for name in FIELDS:
            score = scores[name]
            metric = kind_of(name)
            value = score.value(metric)
            target = TARGETS[name]
            mark = "ok" if value >= target else "BELOW"
            if metric == "f1":
                detail = f"P {score.precision():.3f} R {score.recall():.3f}"
                label = "F1"
            else:
                detail = f"{score.hits}/{score.total}"
                label = "accuracy"
            self.stdout.write(f"{name:<16} {label:<9} {value:>6.3f} {target:>7.2f}  {detail} {mark}")
        if options["details"]:
            for name in FIELDS:
                if scores[name].misses:
                    self.stdout.write(f"\n{name}:")
                    for miss in scores[name].misses:
                        self.stdout.write(f"  {miss}")
