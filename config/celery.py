"""The Celery app. Settings come from Django's settings under the CELERY_ namespace."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("contact_atlas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _database_connections_checked(task=None, **kwargs) -> None:
    """Drop a connection that broke or outlived CONN_MAX_AGE, as Django does around each request.

    Not for a task run in the caller's process (eager, or `apply()` in tests): its connection is the
    caller's, maybe inside a transaction.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
