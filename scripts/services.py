"""Check that PostgreSQL and Redis answer, and create the database if it is missing.

Run before anything that needs them (`make run`, `make test`): it stops at once with a message that
says which service is down, at which address, and how to start it.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import unquote, urlsplit

import psycopg
import redis
from psycopg import sql

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/contact_atlas"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

HOW_TO_START = {
    "PostgreSQL": (
        "  Start it with:  pg_ctlcluster --skip-systemctl-redirect 15 main start\n"
        "  or with Docker: docker compose up -d db redis\n"
        "  or point DATABASE_URL at a running server (postgres://user:password@host:port/dbname)."
    ),
    "Redis": (
        '  Start it with:  redis-server --daemonize yes --port 6379 --save ""\n'
        "  or with Docker: docker compose up -d db redis\n"
        "  or point REDIS_URL at a running server (redis://host:port/0)."
    ),
}


def fail(service: str, address: str, error: Exception) -> None:
    print(f"\n{service} is not reachable at {address}: {error}\n{HOW_TO_START[service]}\n", file=sys.stderr)
    sys.exit(2)


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    dbname = unquote(parts.path.lstrip("/")) or "postgres"
    address = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    conninfo = {
        "host": parts.hostname or "localhost",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or "") or None,
        "connect_timeout": 5,
    }
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
                print(f"Created database {dbname} on {address}.")
            else:
                print(f"PostgreSQL is up at {address} (database {dbname}).")
    except psycopg.OperationalError as error:
        fail("PostgreSQL", address, error)


def ensure_redis(url: str) -> None:
    parts = urlsplit(url)
    address = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
        print(f"Redis is up at {address}.")
    except redis.RedisError as error:
        fail("Redis", address, error)


def main() -> None:
    ensure_database(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    ensure_redis(os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))


if __name__ == "__main__":
    main()
