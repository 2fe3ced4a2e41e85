"""`manage.py export_delegations --json`: one JSON object a line per delegation, with its itinerary and sources.

Each line: `id`, `leader` (the canonical name), `direction`, `start`, `end` (ISO dates or null), `stops`
(the visits in itinerary order: `country` ISO alpha-2 of where the stop is, `city`, `arrived`,
`departed`, `transit`) and `articles` (the URL of every article cited on the delegation or on any of
its contacts, copies included). A stop date known only as a placeholder (not to the day) is exported
as null: the export states what the reports say, not what the pipeline guessed.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from ingest.pipeline.trips import delegations_export


class Command(BaseCommand):
    help = "Print every delegation with its stops in itinerary order and the articles cited (JSON lines)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="JSON lines (the only format; kept for clarity)")

    def handle(self, *args, **options):
        for record in delegations_export():
            self.stdout.write(json.dumps(record, ensure_ascii=False))
