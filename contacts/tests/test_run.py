"""`make run`'s script brings up web, worker and beat with the demo, and one Ctrl-C stops all three.

Also: `manage.py check --deploy` is clean with production settings.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("RUN_TEST_PORT", "8000"))


def _alive_in_groups(pgids: set[int]) -> list[int]:
    """Processes still alive in the given process groups (zombies count as gone)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgid = fields[0], int(fields[2])
        if pgid in pgids and state != "Z":
            alive.append(int(stat.parent.name))
    return alive


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except OSError:
        return 0, ""


@pytest.fixture
def throwaway_database_url():
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/contact_atlas")
    parts = urlsplit(base)
    name = f"{parts.path.lstrip('/')}_run_{secrets.token_hex(3)}"
    url = urlunsplit(parts._replace(path=f"/{name}"))
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    yield url
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.worker
def test_run_serves_the_demo_and_one_sigint_stops_web_worker_and_beat(throwaway_database_url, tmp_path):
    if _get(f"http://127.0.0.1:{PORT}/")[0]:
        pytest.fail(f"Port {PORT} is already in use; stop what runs there or set RUN_TEST_PORT.")
    env = {**os.environ, "DATABASE_URL": throwaway_database_url, "PORT": str(PORT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the script runs the real settings, not the test ones
    subprocess.run([sys.executable, "scripts/services.py"], cwd=ROOT, env=env, check=True)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 900
        status, body = 0, ""
        while time.monotonic() < deadline and process.poll() is None:
            status, body = _get(f"http://127.0.0.1:{PORT}/")
            if status == 200:
                break
            time.sleep(1)
        output = log.read_text(errors="replace")
        assert status == 200, f"no answer on port {PORT}; exit {process.poll()}\n{output[-3000:]}"
        assert "Kim Song Nam" in body and "Vientiane" in body
        # The banner follows the queueing of the demo articles, which may end after the web answers.
        while "Contact Atlas is starting on" not in output and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
            output = log.read_text(errors="replace")
        assert "Admin user created: admin / " in output
        assert _get(f"http://127.0.0.1:{PORT}/admin/login/")[0] == 200

        pids = {name: int(pid) for name, pid in re.findall(r"started (web|worker|beat) \(pid (\d+)\)", output)}
        assert set(pids) == {"web", "worker", "beat"}
        for _ in range(60):  # the worker and beat log their start; give them time to be up before stopping
            if "celery@" in log.read_text(errors="replace") and "beat" in log.read_text(errors="replace"):
                break
            time.sleep(1)

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=90) == 0
        assert _alive_in_groups(set(pids.values())) == []
        assert "Stopped" in log.read_text(errors="replace")
    finally:
        if process.poll() is None:
            # A failed assertion must not leave web, worker and beat running: run.sh stops them on SIGINT.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "ALLOWED_HOSTS": "atlas.example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # a browser test's allowance is not a production setting
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
