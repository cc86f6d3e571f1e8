"""The allocator, generate over HTTP and resync behind PgBouncer.

A real PgBouncer in transaction pooling mode (tests/helpers/pgbouncer.py),
with fewer server connections than clients, so consecutive transactions of
one client run on different server connections: a lock or setting that
outlived its transaction would follow the wrong client.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest

from tests.factories import SeriesFactory
from tests.helpers.child import run_python
from tests.helpers.pgbouncer import pgbouncer, pgbouncer_env
from tests.helpers.servers import gunicorn
from tracking import allocation
from tracking.models import Series, TrackingNumber

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def series(db) -> Series:
    return SeriesFactory(code="pb", name="Pooled", prefix="PB", serial_width=7)


def test_concurrent_allocator_calls_through_pgbouncer_never_overlap(series):
    blocks: list[tuple[int, int]] = []
    lock = threading.Lock()

    def client(seed: int, url: str) -> None:
        conn = psycopg2.connect(url)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                for i in range(40):
                    count = 1 if (seed + i) % 3 else 7
                    cur.execute("SELECT tracking_allocate(%s, %s)", [series.pk, count])
                    first = cur.fetchone()[0]
                    with lock:
                        blocks.append((first, count))
        finally:
            conn.close()

    with pgbouncer(pool_size=3) as url, ThreadPoolExecutor(8) as pool:
        list(pool.map(client, range(8), [url] * 8))

    serials = [first + k for first, count in blocks for k in range(count)]
    assert len(blocks) == 320
    assert len(serials) == len(set(serials))
    # Contiguous from the start: no serial lost, none handed out twice.
    assert sorted(serials) == list(range(len(serials)))


def test_generate_over_http_through_pgbouncer(series, make_client):
    _, http = make_client("pooled", can_admin_series=True)

    def generate(_: int) -> list[str]:
        request = urllib.request.Request(
            base + "/tracking/generate/",
            data=json.dumps({"series": "pb", "count": 3}).encode(),
            method="POST",
            headers={
                "Authorization": f"Token {http.token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
            return [n["tracking_number"] for n in json.load(response)["results"]]

    with (
        pgbouncer(pool_size=2) as url,
        gunicorn(workers=3, env=pgbouncer_env(url)) as base,
        ThreadPoolExecutor(6) as pool,
    ):
        numbers = [n for batch in pool.map(generate, range(60)) for n in batch]

    assert len(numbers) == len(set(numbers)) == 180
    stored = set(
        TrackingNumber.objects.filter(series=series).values_list("number", flat=True)
    )
    assert stored == set(numbers)


def test_resync_runs_through_pgbouncer(series):
    allocation.serial_block_allocate(series=series, count=10)
    TrackingNumber.objects.create(
        series=series,
        serial=500,
        number=allocation.series_number_format(series=series, serial=500),
    )

    with pgbouncer(pool_size=1) as url:
        done = run_python(
            "manage.py", "resync_allocators", env=pgbouncer_env(url), timeout=120
        )

    assert done.returncode == 0, done.stderr
    assert "pb: next serial 10, highest known 500: moved to 501" in done.stdout
    assert allocation.series_next_serial(series) == 501
