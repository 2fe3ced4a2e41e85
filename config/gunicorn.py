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
# Kept-alive connections stay with the process that accepted them (one process may hold most of them).
# Tried instead: one request per connection, a process taking connections only while it has a thread
# free, spreading analysts evenly; with 50 analysts and an ingest running (scripts/loadtest.py) p50 rose
# from 8 to 48 ms, every request paying a new connection. A cached page costs 1.5-2.5 ms of CPU, so one
# process serves most of them without queueing.
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
