"""Fixtures shared by the hardening tests: the four roles, and throwaway PostgreSQL and Redis servers.

Roles (the permissions matrix in tests/security): anonymous; analyst (member of group "Analyst", not
staff: reads the analyst pages); editor (group "Editor", staff: changes contacts and reviews
proposals in the admin); admin (superuser). The groups come from the contacts data migration; when
it is not there, `role_groups` creates them the same way (read-only analysts, editors with every
contacts permission and the review queue).

Tests that kill or restart services never touch the shared PostgreSQL and Redis: `throwaway_postgres`
runs `initdb` into a temporary directory and starts its own server on a free port from 55432,
`throwaway_redis` starts its own `redis-server` (no persistence) on a free port from 56379.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ROLES = ["anonymous", "analyst", "editor", "admin"]

# What the groups hold when the data migration has not created them (app label -> permission codenames).
ANALYST_PERMISSIONS = {"contacts": ["view"]}
EDITOR_PERMISSIONS = {
    "contacts": ["add", "change", "delete", "view"],
    "ingest.proposal": ["change", "view"],
    "ingest.article": ["add", "change", "view"],
    "ingest.source": ["view"],
}


def _grant(group, spec: dict[str, list[str]]) -> None:
    from django.contrib.auth.models import Permission

    for target, actions in spec.items():
        app_label, _, model = target.partition(".")
        perms = Permission.objects.filter(content_type__app_label=app_label)
        if model:
            perms = perms.filter(content_type__model=model)
        group.permissions.add(*[p for p in perms if p.codename.split("_", 1)[0] in actions])


@pytest.fixture
def role_groups(db) -> dict:
    """The "Analyst" and "Editor" groups, from the migration when present, else created like it."""
    from django.contrib.auth.models import Group

    groups = {}
    for name, spec in (("Analyst", ANALYST_PERMISSIONS), ("Editor", EDITOR_PERMISSIONS)):
        group, created = Group.objects.get_or_create(name=name)
        if created or not group.permissions.exists():
            _grant(group, spec)
        groups[name] = group
    return groups


@pytest.fixture
def role_users(role_groups) -> dict:
    """One user per role (None for anonymous)."""
    from django.contrib.auth.models import User

    analyst = User.objects.create_user("analyst", password="analyst-pass-1")
    analyst.groups.add(role_groups["Analyst"])
    editor = User.objects.create_user("editor", password="editor-pass-1", is_staff=True)
    editor.groups.add(role_groups["Editor"])
    admin = User.objects.create_superuser("admin", "admin@example.org", "admin-pass-1")
    return {"anonymous": None, "analyst": analyst, "editor": editor, "admin": admin}


def client_for(user, *, enforce_csrf: bool = False):
    """A test client logged in as `user` (force_login: django-axes needs a request for login())."""
    from django.test import Client

    client = Client(enforce_csrf_checks=enforce_csrf)
    if user is not None:
        client.force_login(user)
    return client


# Throwaway services ------------------------------------------------------------------------------------


def free_port(start: int, end: int) -> int:
    for port in range(start, end):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {start}-{end}")


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port} after {timeout} s")


@dataclass
class Postgres:
    """A PostgreSQL cluster of our own: stop/start it at will, the shared one is never touched."""

    datadir: Path
    port: int
    log: Path
    user: str = "postgres"
    env: dict = field(default_factory=dict)
    as_user: list = field(default_factory=list)  # runuser prefix when the tests run as root

    def url(self, name: str = "postgres") -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{name}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.log), "-w", "-t", "60", *args],
            check=True, env=self.env, stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        self._ctl("-o", f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "stop")

    def psql(self, sql: str, db: str = "postgres") -> None:
        subprocess.run([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", db,
                        "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, env=self.env, stdout=subprocess.DEVNULL)


def _pg_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return {**env, "LC_ALL": "C.UTF-8"}


@pytest.fixture(scope="session")
def throwaway_postgres():
    """A fresh PostgreSQL 15 cluster in a temporary directory (trust auth on loopback), stopped at the end."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"{PG_BIN}/initdb is missing (PG_BIN)")
    tmp = Path(tempfile.mkdtemp(prefix="atlas-pg-"))
    as_user = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres system user
        shutil.chown(tmp, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    env = _pg_env()
    pg = Postgres(datadir=tmp / "data", port=free_port(55432, 55532), log=tmp / "pg.log", env=env, as_user=as_user)
    subprocess.run([*as_user, str(PG_BIN / "initdb"), "-D", str(pg.datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    pg.start()
    yield pg
    try:
        pg.stop("immediate")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class Redis:
    """A redis-server of our own, without persistence; `restart()` keeps the port."""

    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_port(self.port)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.process = None


@pytest.fixture
def throwaway_redis():
    """A second redis-server on a port from 56379 (`--save ""`), stopped at the end."""
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is missing")
    redis = Redis(port=free_port(56379, 56479))
    redis.start()
    yield redis
    redis.stop(signal.SIGKILL)
