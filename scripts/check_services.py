"""Stop the test run with a plain message when PostgreSQL or Redis is down."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

import psycopg2
import redis

PG_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_HINT = (
    'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" '
    "--appendonly no"
)


def main() -> int:
    problems = []
    db = os.environ["DATABASE_URL"]
    try:
        url = urlparse(db)
        psycopg2.connect(
            host=url.hostname,
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            dbname="postgres",
            connect_timeout=3,
        ).close()
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
        print("The test suite needs both; nothing was skipped.", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
