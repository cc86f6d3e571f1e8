"""A real PgBouncer in transaction pooling mode in front of the test database.

Debian's ``pgbouncer`` (scripts/test-deps.sh), started on a free loopback
port. Each transaction of a client may run on a different server connection,
so anything that outlives a transaction (a session advisory lock, a
server-side cursor, a ``SET``) breaks behind it: what production behind
PgBouncer would meet.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

from stack.processes import free_port, start, stop_group, wait_port
from tests.helpers.servers import child_env

PGBOUNCER = "/usr/sbin/pgbouncer"
MISSING = (
    f"PgBouncer is not installed at {PGBOUNCER}. Install it with: "
    "sudo apt-get install -y pgbouncer (or run scripts/test-deps.sh as root)."
)


def _session_settings() -> str:
    # What the settings send as libpq "options" without PgBouncer, quoted
    # for the ini file's connect_query='...'.
    return "; ".join(
        f"SET {name} = ''{value}''"
        for name, value in settings.DATABASE_SESSION.items()
        if value
    )


@contextlib.contextmanager
def pgbouncer(*, pool_size: int = 10) -> Iterator[str]:
    """Run PgBouncer in front of the test database; yield its database URL."""
    if not Path(PGBOUNCER).exists():
        raise RuntimeError(MISSING)
    s = connection.settings_dict
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="pgbouncer-") as tmp:
        users = Path(tmp, "users.txt")
        users.write_text(f'"{s["USER"]}" ""\n')
        ini = Path(tmp, "pgbouncer.ini")
        ini.write_text(
            "[databases]\n"
            f"{s['NAME']} = host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} "
            f"dbname={s['NAME']} connect_query='{_session_settings()}'\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {users}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 500\n"
            "server_reset_query =\n"
            "ignore_startup_parameters = extra_float_digits\n"
            f"logfile = {tmp}/pgbouncer.log\n"
        )
        command = [PGBOUNCER, str(ini)]
        if os.geteuid() == 0:
            # PgBouncer refuses to run as root; its files must stay readable.
            os.chmod(tmp, 0o777)  # noqa: S103
            command[1:1] = ["--user", "nobody"]
        proc = start(command)
        try:
            wait_port(port, timeout=15)
            yield f"postgres://{s['USER']}@127.0.0.1:{port}/{s['NAME']}"
        finally:
            stop_group(proc, timeout=10)
            log = Path(tmp, "pgbouncer.log")
            if log.exists():
                print("".join(log.read_text().splitlines(True)[-20:]))


def pgbouncer_env(url: str, **extra: str) -> dict[str, str]:
    """Env of a child process (gunicorn, manage.py) that goes through it."""
    return child_env(DATABASE_URL=url, DATABASE_PGBOUNCER="True", **extra)
