"""Celery entry points. No logic here: each task takes ids and calls one pipeline function.

Every task is idempotent (settings turn on acks_late and reject_on_worker_lost, so a task whose
worker died runs again): a finished article is left as it is, and an article is attempted at most
`pipeline.MAX_ATTEMPTS` times before it is marked failed, so a message that kills its worker cannot
loop forever. Only transient network errors are retried, with exponential backoff and jitter.
"""

from __future__ import annotations

from celery import shared_task
from celery.signals import beat_init
from celery.utils.log import get_task_logger
from django.utils import timezone

from ingest import pipeline
from ingest.models import Source
from ingest.pipeline.fetch import TransientFetchError

logger = get_task_logger(__name__)


@shared_task(
    name="ingest.process_article",
    autoretry_for=(TransientFetchError,),  # never parse errors: those are recorded on the article
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=pipeline.MAX_ATTEMPTS,
)
def process_article(article_id: int) -> str:
    """Run one article through the whole pipeline."""
    outcome = pipeline.article_process(article_id, raise_transient=True)
    for follow_up in outcome.follow_up:
        process_article.delay(follow_up)
    logger.info("article %s: %s %s", article_id, outcome.status, outcome.detail)
    return outcome.status


@shared_task(name="ingest.poll_source")
def poll_source(source_id: int) -> int:
    """Poll one source and queue its new articles."""
    article_ids = pipeline.source_poll(source_id)
    for article_id in article_ids:
        process_article.delay(article_id)
    return len(article_ids)


@shared_task(name="ingest.poll_due_sources")
def poll_due_sources() -> int:
    """Run by beat every minute: queue a poll for each active source whose interval has elapsed."""
    now = timezone.now()
    due = list(pipeline.sources_due(now).values_list("pk", flat=True))
    # Claim them first so the next beat tick does not queue the same poll again while this one waits.
    Source.objects.filter(pk__in=due).update(last_polled_at=now)
    for source_id in due:
        poll_source.delay(source_id)
    return len(due)


POLL_SCHEDULE_NAME = "Poll due sources"


def poll_schedule_ensure() -> None:
    """Create (or re-enable) beat's every-minute entry for poll_due_sources; safe to call any time.

    Migration 0002 creates it on install; beat calls this again at start, so a flushed or hand-edited
    schedule table still polls.
    """
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.update_or_create(
        name=POLL_SCHEDULE_NAME,
        defaults={"task": "ingest.poll_due_sources", "interval": every_minute, "enabled": True},
    )


@beat_init.connect
def _ensure_schedule_on_beat_start(sender=None, **kwargs) -> None:
    poll_schedule_ensure()
