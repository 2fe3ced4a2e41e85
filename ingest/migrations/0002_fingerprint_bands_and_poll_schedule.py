"""Indexes for near-duplicate lookup, and the periodic task that polls sources.

A 64-bit SimHash within 7 bits of another shares at least one of its eight bands exactly (pigeonhole),
so eight expression indexes turn the near-duplicate search into indexed equality lookups. The bands
match ingest.pipeline.dedupe.BANDS.
The beat entry is data every install needs: every minute, `ingest.poll_due_sources` enqueues a poll
for each active source whose interval has elapsed.
"""

from django.db import migrations

BANDS = tuple((8 * i, 8) for i in range(8))  # (shift, width), frozen here


def band_indexes_sql():
    return [
        f"CREATE INDEX IF NOT EXISTS article_fp_band{i} ON ingest_article "
        f"(((fingerprint >> {shift}) & {(1 << width) - 1}))"
        for i, (shift, width) in enumerate(BANDS)
    ]


def drop_band_indexes_sql():
    return [f"DROP INDEX IF EXISTS article_fp_band{i}" for i in range(len(BANDS))]


def create_poll_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name="Poll due sources",
        defaults={"task": "ingest.poll_due_sources", "interval": every_minute, "enabled": True},
    )


def remove_poll_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name="Poll due sources").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunSQL(band_indexes_sql(), drop_band_indexes_sql()),
        migrations.RunPython(create_poll_schedule, remove_poll_schedule),
    ]
