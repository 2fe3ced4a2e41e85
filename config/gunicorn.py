"""gunicorn settings for every way the app is served: `gunicorn -c config/gunicorn.py config.wsgi`.

`make run` (scripts/run.sh), the Docker image and compose file and the load test (scripts/loadtest.py)
all start gunicorn with this file, so the load test measures what is deployed; their command lines add
only the address. Environment: WEB_CONCURRENCY (processes, 4), WEB_THREADS (threads per process, 4).
"""

import os

bind = "127.0.0.1:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# Kept-alive connections stay with the process that accepted them. Measured with 50 analysts while an
# ingest ran (scripts/loadtest.py), that beat one request per connection spread evenly over the
# processes (p50 8 ms against 48 ms): a cached page costs about a millisecond of CPU, a new connection
# and four busy interpreters on two cores cost more.
keepalive = 5
backlog = 2048
timeout = 60
graceful_timeout = 5
# Workers are forked from a loaded app, so one replaced after max_requests (a guard against slow
# leaks) starts in milliseconds instead of importing Django again.
preload_app = True
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"
