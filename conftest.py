"""Shared pytest fixtures.

Every test that needs committed rows is marked `django_db(transaction=True, serialized_rollback=True)`:
a transactional test without `serialized_rollback` ends with a flush that re-creates content types
under new ids, and the next test that restores the serialized database then collides with them.
"""

import pytest
from django.conf import settings
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Every test starts with no cached pages.

    Pages are cached per data version (the newest history event ids), and the ids of a rolled-back test
    come round again in the next one: without this a test could be served a page another test cached.
    Only this database's keys go; the broker's queues in the same Redis stay.
    """
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*", count=1000))
    if keys:
        client.delete(*keys)
