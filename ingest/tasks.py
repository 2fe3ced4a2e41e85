"""Celery entry points. No logic here: each task takes ids and calls one pipeline function.

Articles travel in batches (`process_articles`, made by `queue_articles` / `pipeline.batches`): one task
per 100 articles that carry their text, per 10 whose pages must be fetched. Every task is idempotent
(settings turn on acks_late and reject_on_worker_lost, so a task whose worker died runs again): a
finished article is left as it is, and an article is attempted at most `pipeline.MAX_ATTEMPTS` times
before it is marked failed, so a message that kills its worker cannot loop forever (after a crash the
batch's unfinished articles run one at a time, so only the culprit uses up its attempts). Only
transient network errors are retried, with exponential backoff and jitter, and only for the articles
they hit.
"""

from __future__ import annotations

import os
from collections import Counter

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import beat_init, worker_init
from celery.utils.log import get_task_logger
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.utils import timezone

from ingest import pipeline
from ingest.models import Source
from ingest.pipeline.fetch import TransientFetchError

logger = get_task_logger(__name__)


def _retry_countdown(retries: int) -> int:
    # Exponential backoff with full jitter, as Celery's retry_backoff: 5 s, 10 s, 20 s ... at most 10 min.
    return get_exponential_backoff_interval(factor=5, retries=retries, maximum=600, full_jitter=True)


def _run(article_ids: list[int]) -> tuple[list[pipeline.Outcome], list[int]]:
    """Process a batch and queue what it turned up; returns the outcomes and the ids to retry."""
    try:
        outcomes = pipeline.articles_process(article_ids, retry_transient=True)
    except SoftTimeLimitExceeded:
        # Out of time (slow pages): what is not finished goes back on the queue, this task ends.
        left = pipeline.unfinished(article_ids)
        queue_articles(left)
        logger.warning("batch out of time: %s of %s articles queued again", len(left), len(article_ids))
        raise
    for outcome in outcomes:
        logger.info("article %s: %s %s", outcome.article_id, outcome.status, outcome.detail)
    queue_articles([pk for outcome in outcomes for pk in outcome.follow_up])
    return outcomes, [o.article_id for o in outcomes if o.status == pipeline.RETRY]


def _retry(task, outcomes: list[pipeline.Outcome], args: list | None = None):
    # Exponential backoff with full jitter, as Celery's retry_backoff: up to 5 s, 10 s, 20 s ... 10 min.
    # Each article is tried at most MAX_ATTEMPTS times in all: its attempt counter, not max_retries,
    # bounds the retries.
    countdown = get_exponential_backoff_interval(factor=5, retries=task.request.retries, maximum=600,
                                                 full_jitter=True)
    detail = next(o.detail for o in outcomes if o.status == pipeline.RETRY)
    return task.retry(args=args, countdown=countdown, exc=TransientFetchError(detail))


@shared_task(name="ingest.process_articles", bind=True, max_retries=None)
def process_articles(self, article_ids: list[int]) -> dict[str, int]:
    """Run a batch of articles (see pipeline.batches) through the whole pipeline; returns status counts.

    A transient network error retries only the articles it hit, as a smaller batch.
    """
    outcomes, retry = _run(article_ids)
    if retry:
        raise _retry(self, outcomes, args=[retry])
    return dict(Counter(outcome.status for outcome in outcomes))


@shared_task(name="ingest.process_article", bind=True, max_retries=None)
def process_article(self, article_id: int) -> str:
    """Run one article through the whole pipeline (a batch of one)."""
    outcomes, retry = _run([article_id])
    if retry:
        raise _retry(self, outcomes)
    return outcomes[0].status


def queue_articles(article_ids) -> int:
    """Queue articles on the workers in batches (pipeline.batches); returns the number of tasks."""
    chunks = pipeline.batches(article_ids) if article_ids else []
    for chunk in chunks:
        process_articles.delay(chunk)
    return len(chunks)


@shared_task(name="ingest.poll_source")
def poll_source(source_id: int) -> int:
    """Poll one source and queue its new articles."""
    article_ids = pipeline.source_poll(source_id)
    queue_articles(article_ids)
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


@worker_init.connect
def _lower_priority(sender=None, **kwargs) -> None:
    """Ingest is batch work: analysts' pages get the CPU first when both want it (WORKER_NICENESS).

    Set in the worker's main process, so every pool process it forks inherits it. An idle machine still
    gives the ingest all its CPU.
    """
    niceness = getattr(settings, "WORKER_NICENESS", 0)
    if niceness > 0:
        os.nice(niceness)


@worker_init.connect
def _warm_up(sender=None, **kwargs) -> None:
    """Load the gazetteers and the city index in the worker's main process, before the pool forks.

    Every pool process then starts warm (sharing the pages), instead of each paying seconds of start-up
    on its first article.
    """
    from ingest.pipeline import apply
    from ingest.pipeline.classify import ArticleInput, analyze

    # A trip report and a meeting, so that every lazily built table of the extractor is built here.
    analyze(ArticleInput(id="warm-up", url="", source="", published=None, title="", text=(
        "Pyongyang, March 21 (KCNA) -- A delegation of the Workers' Party of Korea led by Kim Song Nam, director "
        "of the International Department, left here on Thursday to visit China, Vietnam and Laos. It arrived in "
        "Beijing on Friday and was greeted by Liu Jianchao. Kim Jong Un met the Chinese ambassador on March 22.")))
    apply.place_index_load()
