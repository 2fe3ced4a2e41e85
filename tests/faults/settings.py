"""Settings for the processes the fault tests start (worker, beat, web app) on throwaway services.

Identical to the test settings except that Redis hands an unacknowledged message back after 15 s
instead of an hour, so a worker killed outright gets its task back within one test.
"""

from config.settings.test import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 15}
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
