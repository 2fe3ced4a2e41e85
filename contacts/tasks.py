"""Celery entry points of the analyst pages. No logic here: see contacts/pagecache.py."""

from __future__ import annotations

from celery import shared_task

from contacts import pagecache


@shared_task(ignore_result=True)
def refresh_page(environ: dict[str, str]) -> None:
    """Rebuild a page an analyst found stale (queued by pagecache.cached, on the `pages` queue)."""
    pagecache.page_refresh(environ)
