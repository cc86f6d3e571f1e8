"""Stop with a plain message when PostgreSQL or Redis is down.

``--create-database`` (``make stack``) also creates DATABASE_URL's database
when the server is up but the database is not there yet.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

import psycopg2
import redis
from psycopg2 import sql

PG_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_HINT = (
    'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" '
    "--appendonly no"
)


def _database_create(server, name: str) -> None:
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name!r}.")


def main(argv: list[str]) -> int:
    problems = []
    db = os.environ["DATABASE_URL"]
    try:
        url = urlparse(db)
        server = psycopg2.connect(
            host=url.hostname,
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            dbname="postgres",
            connect_timeout=3,
        )
        try:
            if "--create-database" in argv:
                _database_create(server, url.path.lstrip("/"))
        finally:
            server.close()
    except psycopg2.Error as e:
        problems.append(
            f"PostgreSQL is not reachable at {db} ({str(e).strip()}).\n"
            f"  Start it with: {PG_HINT}"
        )
    rurl = os.environ["REDIS_URL"]
    try:
        redis.Redis.from_url(rurl, socket_connect_timeout=3).ping()
    except redis.RedisError as e:
        problems.append(
            f"Redis is not reachable at {rurl} ({e}).\n  Start it with: {REDIS_HINT}"
        )
    for p in problems:
        print(f"ERROR: {p}", file=sys.stderr)
    if problems:
        print("Both are needed; nothing was skipped.", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
