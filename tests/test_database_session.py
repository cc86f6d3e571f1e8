"""What the no-duplicate proof relies on is pinned for every session."""

from __future__ import annotations

import pytest
from django.db import connection

from stack.processes import ROOT
from tests.helpers.child import run_python
from tests.helpers.servers import child_env


def show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_synchronous_commit_stays_on_when_the_server_default_is_off():
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        connection.close()
        assert show("synchronous_commit") == "on"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" RESET synchronous_commit')


@pytest.mark.stack
@pytest.mark.django_db
def test_web_timeouts_come_from_the_environment():
    script = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "c = connection.cursor()\n"
        "for n in ('statement_timeout', 'lock_timeout',"
        " 'idle_in_transaction_session_timeout', 'synchronous_commit'):\n"
        "    c.execute('SHOW ' + n); print(c.fetchone()[0])\n"
        "print(connection.settings_dict['OPTIONS']['connect_timeout'])\n"
    )
    env = child_env(
        DATABASE_STATEMENT_TIMEOUT="1500ms",
        DATABASE_LOCK_TIMEOUT="700ms",
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT="1min",
        DATABASE_CONNECT_TIMEOUT="3",
    )
    out = run_python("-c", script, env=env, timeout=60, check=True).stdout.split()
    assert out == ["1500ms", "700ms", "1min", "on", "3"]


def test_gunicorn_gives_web_processes_timeouts_and_workers_none(monkeypatch):
    for name in (
        "DATABASE_STATEMENT_TIMEOUT",
        "DATABASE_LOCK_TIMEOUT",
        "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    import os
    import runpy

    runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert os.environ["DATABASE_STATEMENT_TIMEOUT"] == "30s"
    assert os.environ["DATABASE_LOCK_TIMEOUT"] == "10s"
    assert os.environ["DATABASE_IDLE_IN_TRANSACTION_TIMEOUT"] == "5min"
