"""`python manage.py bench`: generate a synthetic dataset and measure the app at that scale.

The work lives in `bench/`; this command only parses options. It replaces all records and articles
in the database it points at, so it refuses databases whose name does not contain "bench".
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand

from bench import run
from bench.generate import Scale


class Command(BaseCommand):
    help = "Generate a synthetic dataset (COPY) and benchmark pages, map data, search, CSV, classify and ingest."

    def add_arguments(self, parser) -> None:
        defaults = Scale()
        parser.add_argument("--contacts", type=int, default=defaults.contacts)
        parser.add_argument("--delegations", type=int, default=defaults.delegations)
        parser.add_argument("--persons", type=int, default=defaults.persons)
        parser.add_argument("--articles", type=int, default=defaults.articles)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--requests", type=int, default=200, help="Timed requests per page (after warm-up).")
        parser.add_argument("--skip-generate", action="store_true", help="Measure the data already loaded.")
        parser.add_argument(
            "--only",
            action="append",
            choices=run.PARTS,
            help="Run only this part (repeatable); `report` rewrites the table from each part's last results. Default: all.",
        )
        parser.add_argument(
            "--deep-page",
            type=int,
            default=1000,
            help="Deep timeline page to measure through its keyset cursor (0: skip).",
        )
        parser.add_argument(
            "--keep-articles",
            action="store_true",
            help="Regenerate records only, keeping the articles if counts match.",
        )
        parser.add_argument("--keep-indexes", action="store_true", help="Load with secondary indexes in place.")
        parser.add_argument("--port", type=int, default=8050, help="Port for the gunicorn the bench starts.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")
        parser.add_argument("--no-write", action="store_true", help="Print the table without updating BENCHMARKS.md.")
        parser.add_argument("--force", action="store_true", help="Allow a database whose name lacks 'bench'.")
        # Used by the bench itself to collect query counts from its small sibling database.
        parser.add_argument("--json-out", help=argparse.SUPPRESS)

    def handle(self, *args, **options) -> None:
        scale = Scale(
            contacts=options["contacts"],
            delegations=options["delegations"],
            persons=options["persons"],
            articles=options["articles"],
            seed=options["seed"],
        )
        run.main(
            scale,
            parts=options["only"] or list(run.PARTS),
            skip_generate=options["skip_generate"],
            requests=options["requests"],
            keep_indexes=options["keep_indexes"],
            port=options["port"],
            workers=options["workers"],
            write=not options["no_write"],
            force=options["force"],
            log=lambda line: self.stdout.write(line),
            json_out=options["json_out"],
            deep_page=options["deep_page"],
            keep_articles=options["keep_articles"],
        )
