"""The check before `make test` and `make stack`: plain words, a database made."""

from __future__ import annotations

import os
import uuid

import psycopg2
import pytest

from tests.helpers.child import run_python

SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def _databases() -> set[str]:
    with psycopg2.connect(f"{SERVER}/postgres") as conn, conn.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database")
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def missing_database():
    name = f"tracking_check_{uuid.uuid4().hex[:8]}"
    yield name
    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


def _check(database_url: str, *args: str):
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS}
    return run_python("scripts/check_services.py", *args, env=env, timeout=30)


def test_make_stack_creates_its_database_once(missing_database):
    url = f"{SERVER}/{missing_database}"

    first = _check(url, "--create-database")
    again = _check(url, "--create-database")

    assert first.returncode == 0, first.stderr
    assert f"Created database {missing_database!r}." in first.stdout
    assert missing_database in _databases()
    assert again.returncode == 0
    assert again.stdout == ""


def test_a_server_that_is_down_is_named_with_how_to_start_it(missing_database):
    down = _check(f"postgres://postgres@127.0.0.1:1/{missing_database}")

    assert down.returncode == 1
    assert "PostgreSQL is not reachable" in down.stderr
    assert "pg_ctlcluster --skip-systemctl-redirect" in down.stderr
    assert missing_database not in _databases()
