"""``manage.py resync_allocators``: after a failover, never a serial twice.

A failover to a standby that lags is simulated by moving the series'
sequence back with ``setval`` (what the standby's sequence looks like when
the last advances did not reach it). Each test uses its own series, whose
sequence is created inside the test's transaction and so rolled back.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from tests.factories import SeriesFactory
from tracking import exceptions as exc
from tracking.allocation import serial_block_allocate, series_next_serial
from tracking.models import Batch, Series
from tracking.services import tracking_number_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(default_series) -> Series:
    return SeriesFactory(
        code="fo", name="Failover", prefix="FO", serial_width=6, start=100, end=10_000
    )


def rewind(series: Series, next_serial: int) -> None:
    """What a lagging standby's sequence looks like after promotion."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(%s, %s, false)",
            [f"tracking_series_{series.pk}_seq", next_serial],
        )


def resync(*args: str) -> str:
    out = StringIO()
    call_command("resync_allocators", *args, stdout=out)
    return out.getvalue()


def test_a_rewound_allocator_collides_until_resynced(series):
    issued = tracking_number_issue(series=series, count=5)
    assert [n.serial for n in issued] == [100, 101, 102, 103, 104]
    rewind(series, 102)
    with pytest.raises(exc.NumberCollision), transaction.atomic():
        tracking_number_issue(series=series)

    out = resync()

    assert "fo: next serial 103, highest known 104: moved to 105" in out
    assert tracking_number_issue(series=series)[0].serial == 105


def test_a_reserved_batch_block_counts_as_issued(series):
    tracking_number_issue(series=series, count=2)
    first = serial_block_allocate(series=series, count=500)  # not written yet
    Batch.objects.create(series=series, quantity=500, first_serial=first)
    rewind(series, 102)

    resync()

    assert series_next_serial(series) == first + 500


def test_margin_skips_serials_the_lost_primary_may_have_issued(series):
    tracking_number_issue(series=series, count=3)
    rewind(series, 100)

    resync("--margin", "1000")

    assert series_next_serial(series) == 103 + 1000


def test_an_allocator_ahead_is_never_moved_back(series):
    tracking_number_issue(series=series, count=3)
    rewind(series, 5000)

    out = resync()

    assert "fo: next serial 5000, highest known 102: ok" in out
    assert series_next_serial(series) == 5000


def test_dry_run_changes_nothing(series):
    tracking_number_issue(series=series, count=3)
    rewind(series, 100)

    out = resync("--dry-run")

    assert "would move to 103" in out
    assert series_next_serial(series) == 100


def test_a_margin_past_the_end_exhausts_the_series_never_wraps(series):
    tracking_number_issue(series=series, count=3)
    resync("--margin", "1000000")
    with pytest.raises(exc.SeriesExhausted):
        tracking_number_issue(series=series)


def test_a_missing_sequence_is_created_past_the_stored_serials(series):
    tracking_number_issue(series=series, count=4)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE tracking_series_{series.pk}_seq")

    resync()

    assert tracking_number_issue(series=series)[0].serial == 104


def test_a_negative_margin_is_refused(db):
    with pytest.raises(CommandError, match="--margin"):
        resync("--margin", "-1")
