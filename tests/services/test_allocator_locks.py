"""No allocator lock outlives its call; a wait for one is bounded.

The allocator once took session-level advisory locks: an error, a cancel or
a statement timeout between lock and unlock left the lock held for the life
of the connection, and every later block reservation of that series waited
forever. Each test here ends such a call and then checks that a block is
still reserved promptly (within a 3-second statement timeout).
"""

from __future__ import annotations

import threading
import time

import psycopg2
import pytest
from django.db import connection
from psycopg2 import errors

from tests.factories import SeriesFactory
from tests.helpers import servers
from tracking import allocation, messages
from tracking import exceptions as exc
from tracking.models import Series

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def series(db) -> Series:
    return SeriesFactory(code="lk", name="Locks", prefix="LK", serial_width=6)


def connect(*, autocommit: bool = True):
    conn = psycopg2.connect(servers.test_database_url())
    conn.autocommit = autocommit
    return conn


def reserve_promptly(series: Series, count: int = 5) -> int:
    """A block reservation from a fresh connection; fails after 3 s."""
    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SET statement_timeout = '3s'")
            cur.execute("SELECT tracking_allocate(%s, %s)", [series.pk, count])
            return cur.fetchone()[0]
    finally:
        conn.close()


def wait_until_waiting(pid: int, timeout: float = 10) -> None:
    conn = connect()
    try:
        deadline = time.monotonic() + timeout
        with conn.cursor() as cur:
            while time.monotonic() < deadline:
                cur.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                    [pid],
                )
                if cur.fetchone()[0] == "Lock":
                    return
                time.sleep(0.02)
        raise TimeoutError(f"backend {pid} never waited on a lock")
    finally:
        conn.close()


@pytest.mark.parametrize("end", ["pg_cancel_backend", "statement_timeout"])
def test_a_call_ended_mid_flight_leaves_no_lock_behind(series, end):
    first = reserve_promptly(series)
    # Another session holds the series' sequence (ALTER SEQUENCE blocks
    # nextval until its transaction ends), so the call stops inside the
    # allocator, after it has taken its lock.
    holder = connect(autocommit=False)
    holder.cursor().execute(
        f"ALTER SEQUENCE {allocation.sequence_name(series.pk)} CACHE 1"
    )
    caller = connect()  # stays open, as a pooled connection would
    if end == "statement_timeout":
        caller.cursor().execute("SET statement_timeout = '300ms'")
    raised: list[Exception] = []

    def call() -> None:
        try:
            caller.cursor().execute("SELECT tracking_allocate(%s, 1)", [series.pk])
        except Exception as e:
            raised.append(e)

    thread = threading.Thread(target=call)
    thread.start()
    if end == "pg_cancel_backend":
        wait_until_waiting(caller.get_backend_pid())
        with connect() as admin, admin.cursor() as cur:
            cur.execute("SELECT pg_cancel_backend(%s)", [caller.get_backend_pid()])
    thread.join(timeout=10)
    holder.rollback()

    assert [type(e) for e in raised] == [errors.QueryCanceled]
    try:
        assert reserve_promptly(series) == first + 5
        # The same pooled connection draws again too.
        with caller.cursor() as cur:
            cur.execute("SELECT tracking_allocate(%s, 1)", [series.pk])
            assert cur.fetchone()[0] == first + 10
    finally:
        caller.close()
        holder.close()


def test_an_error_inside_the_allocator_leaves_no_lock_behind(series):
    # A series row without its sequence, as after a partial restore.
    failing = connect()
    with failing.cursor() as cur:
        cur.execute(f"DROP SEQUENCE {allocation.sequence_name(series.pk)}")
        with pytest.raises(psycopg2.Error):
            cur.execute("SELECT tracking_allocate(%s, 1)", [series.pk])
    try:
        with connection.cursor() as cur:
            cur.execute("SET statement_timeout = '5s'")
        allocation.allocator_move_up(series, to=100)  # resync recreates it
        assert reserve_promptly(series) == 100
    finally:
        failing.close()


def test_a_wait_behind_a_long_transaction_ends_with_a_clear_503(series):
    # A caller that reserved a block inside a transaction it keeps open.
    holder = connect(autocommit=False)
    holder.cursor().execute(
        "SELECT pg_advisory_xact_lock(%s, %s)",
        [allocation.LOCK_NAMESPACE, series.pk],
    )
    try:
        with connection.cursor() as cur:
            cur.execute("SET statement_timeout = '20s'")
        started = time.monotonic()
        with pytest.raises(exc.AllocatorBusy) as caught:
            allocation.serial_block_allocate(series=series, count=5)
        assert caught.value.status_code == 503
        assert caught.value.message == messages.ALLOCATOR_BUSY.format(code="lk")
        assert time.monotonic() - started < 15
    finally:
        holder.rollback()
        holder.close()
    assert allocation.serial_block_allocate(series=series, count=5) >= 0
