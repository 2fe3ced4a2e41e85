#!/usr/bin/env bash
# Run the whole demo stack in the foreground: web server, Celery worker and Celery beat.
#
# Called by `make run` after scripts/services.py has checked PostgreSQL and Redis and created the
# database. Migrates, loads the reference and demo data (both idempotent), creates the `admin`
# superuser on first run, collects static files when they changed, then starts the three processes.
# One Ctrl-C (SIGINT) or SIGTERM stops all three.
#
# Environment: DATABASE_URL, REDIS_URL (defaults in config/settings/base.py), PORT (8000),
# WEB_SERVER (gunicorn, or runserver for auto-reload while developing), CELERY_CONCURRENCY (2).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
[[ -x $PY ]] || { echo "No .venv: run 'make run' (it creates it) or 'make install'." >&2; exit 2; }
PORT=${PORT:-8000}
WEB_SERVER=${WEB_SERVER:-gunicorn}
# The demo shows its pages to anyone on this machine and explains its errors.
export DEBUG=${DEBUG:-1} PUBLIC_READ=${PUBLIC_READ:-1}
export PYTHONUNBUFFERED=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# One Python process for all the preparation (each start of Django costs seconds). Progress goes to
# stderr; the only thing on stdout is the admin login line, kept for the banner below.
say "Preparing the database: migrations, reference data (countries, cities, DPRK organisations), demo data"
admin_note=$($PY - <<'PYTHON'
import os
import secrets
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

call_command("migrate", interactive=False, verbosity=0, stdout=sys.stderr)
call_command("load_reference", stdout=sys.stderr)
call_command("load_demo", stdout=sys.stderr)
User = get_user_model()
if User.objects.filter(username="admin").exists():
    print("Admin user: admin (exists already; to reset its password: .venv/bin/python manage.py changepassword admin)")
else:
    # Only the hash is stored; the password is shown once, here.
    password = secrets.token_urlsafe(15)
    User.objects.create_superuser("admin", "admin@localhost", password)
    print(f"Admin user created: admin / {password}   (shown once, not stored in plain text)")
PYTHON
)

# collectstatic only when static/ changed since the last run (or never ran); DEBUG serves from the finders anyway.
if [[ ! -f staticfiles/staticfiles.json ]] || [[ -n $(find static -newer staticfiles/staticfiles.json -print -quit) ]]; then
  say "Collecting static files"
  $PY manage.py collectstatic --noinput -v0
fi

pids=()
start() {  # start NAME COMMAND...: each in its own process group, so stopping it stops its children too
  local name=$1
  shift
  setsid "$@" &
  pids+=("$!")
  echo "started $name (pid $!)"
}

stopping=0
stop() {
  ((stopping)) && return
  stopping=1
  trap '' INT TERM
  echo
  say "Stopping web, worker and beat"
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for _ in $(seq 40); do  # Celery finishes running tasks first (soft shutdown); allow it 20 s
    alive=0
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  say "Stopped"
}
trap 'stop; exit 0' INT TERM

if [[ $WEB_SERVER == runserver ]]; then
  start web $PY manage.py runserver "127.0.0.1:$PORT"
else
  start web .venv/bin/gunicorn -c config/gunicorn.py config.wsgi --bind "127.0.0.1:$PORT"
fi
start worker .venv/bin/celery -A config worker -l info --concurrency "${CELERY_CONCURRENCY:-2}"
start beat .venv/bin/celery -A config beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler
# The demo articles go through the real pipeline on the worker; they fold into the demo records
# (evidence, duplicates recognised), so a newcomer sees the whole flow. Idempotent.
say "Queueing the demo articles on the worker"
$PY manage.py ingest --async ingest/fixtures/demo/articles.jsonl || say "Could not queue the demo articles"

cat <<EOF

  Contact Atlas is starting on  http://127.0.0.1:${PORT}/
  Admin:                        http://127.0.0.1:${PORT}/admin/
  ${admin_note}
  Web, Celery worker and Celery beat run in this terminal; press Ctrl-C once to stop all three.

EOF

# Whichever process ends first (a crash, a port already in use) takes the others down with it.
set +e
wait -n "${pids[@]}"
status=$?
set -e
if ((!stopping)); then
  echo "A process exited (status $status); stopping the others." >&2
  stop
  exit "$status"
fi
