"""Time the portal's dashboard on an embedded SQLite database of N numbers.

Run as ``python -m tests.helpers.dashboard_sqlite DB N`` with the embedded
environment (tests.helpers.embedded.embedded_env) after `make run`'s set-up;
prints one JSON line: the seconds of a view with nothing cached (median of
three) and of one with the finished days cached.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import time


def fill(database: str, count: int) -> None:
    """Insert ``count`` numbers of the default series over the last 30 days.

    One INSERT ... SELECT over a recursive counter, so a million rows take
    seconds; every 100th is void.
    """
    db = sqlite3.connect(database)
    series_id = db.execute("SELECT id FROM tracking_series WHERE code='default'")
    series_id = series_id.fetchone()[0]
    db.execute(
        """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO tracking_trackingnumber (
            number, serial, uuid, series_id, status, reference, metadata,
            created_at, void_reason
        )
        SELECT 'X' || printf('%012d', i), i, lower(hex(randomblob(16))), ?,
               CASE WHEN i % 100 = 0 THEN 'void' ELSE 'issued' END,
               CASE WHEN i % 3 = 0 THEN 'ORDER-' || i ELSE '' END, '{}',
               strftime('%Y-%m-%d %H:%M:%f',
                        'now', '-' || (i * 30 * 86400 / ?) || ' seconds'),
               CASE WHEN i % 100 = 0 THEN 'damaged' ELSE '' END
        FROM n
        """,
        [count, series_id, count],
    )
    db.execute(
        "UPDATE tracking_series SET next_serial = ? WHERE id = ?",
        [count + 1, series_id],
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()


def main(database: str, count: int) -> None:
    fill(database, count)

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.test import Client

    user = User.objects.filter(is_superuser=True).first()
    client = Client(headers={"host": "127.0.0.1"})
    client.force_login(user)
    # Templates and URLs loaded once, as in a running server.
    assert client.get("/admin/tracking/series/").status_code == 200

    def view() -> float:
        started = time.perf_counter()
        response = client.get("/admin/")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        assert b'data-kpi="total"' in response.content
        return elapsed

    # Cold: nothing cached, so 30 days are counted. The median of three,
    # as the machine may be busy with other work.
    cold = []
    for _ in range(3):
        cache.clear()
        cold.append(view())
    warm = view()
    print(
        json.dumps(
            {
                "rows": count,
                "cold_s": statistics.median(cold),
                "cold_runs_s": cold,
                "warm_s": warm,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
