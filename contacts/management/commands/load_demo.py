"""Load the demo contacts (real, documented events with their sources). Safe to run again."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from contacts.demo import DemoDataError, demo_load


class Command(BaseCommand):
    help = "Load a dozen real, documented contacts centred on the March 2024 WPK delegation to China, Viet Nam, Laos."

    def handle(self, *args, **options) -> None:
        try:
            counts = demo_load()
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Demo data loaded: {counts['delegations']} delegations, {counts['contacts']} contacts.")
