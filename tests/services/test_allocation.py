"""Allocation under real concurrency: many OS processes, one PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import ScrambledSeriesFactory, SeriesFactory
from tracking import exceptions as exc
from tracking.allocation import (
    serial_block_allocate,
    series_next_serial,
    series_number_format,
    series_serial_parse,
)
from tracking.models import TrackingNumber
from tracking.services import series_ensure_default

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_it_survives_8_processes_issuing_20000_numbers_with_rollbacks():
    series = series_ensure_default()
    env = {**os.environ, "DATABASE_URL": _database_url()}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.helpers.issue_worker",
                str(seed),
                "2500",
                series.code,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(8)
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))

    acknowledged = [n for o in outputs for n, _ in o["committed"]]
    rolled_back = [n for o in outputs for n in o["rolled_back"]]
    assert len(acknowledged) + len(rolled_back) == 20_000
    assert 0.1 < len(rolled_back) / 20_000 < 0.3
    # Every acknowledged number is distinct and stored; nothing rolled back is.
    assert len(set(acknowledged)) == len(acknowledged)
    stored = list(TrackingNumber.objects.values_list("number", flat=True))
    assert len(stored) == len(set(stored))
    assert set(stored) == set(acknowledged)
    # A rolled-back caller loses its serials (a gap); they are never reissued.
    assert not set(rolled_back) & set(stored)
    # Each process saw its serials strictly increase: one shared, ordered
    # allocator, no per-process blocks.
    for o in outputs:
        serials = [s for _, s in o["committed"]]
        assert serials == sorted(serials)
        assert len(set(serials)) == len(serials)


def test_blocks_are_contiguous_and_disjoint(default_series):
    first = serial_block_allocate(series=default_series, count=100)
    second = serial_block_allocate(series=default_series, count=50)
    assert second == first + 100


def test_exhaustion_names_the_series_and_reserves_nothing(db):
    series = SeriesFactory(code="t", name="t", prefix="X", serial_width=1)
    serial_block_allocate(series=series, count=8)
    with pytest.raises(
        exc.SeriesExhausted, match="Series 't' cannot issue 3 numbers: only 2"
    ):
        serial_block_allocate(series=series, count=3)
    assert serial_block_allocate(series=series, count=2) == 8
    with pytest.raises(exc.SeriesExhausted):
        serial_block_allocate(series=series, count=1)
    assert series_next_serial(series) == 10


def test_a_scrambled_series_is_unique_within_its_range_and_reversible(db):
    series = ScrambledSeriesFactory(prefix="Q", serial_width=3, start=100, end=899)
    numbers = [series_number_format(series=series, serial=s) for s in range(100, 900)]
    assert len(set(numbers)) == 800
    shown = sorted(int(n[1:]) for n in numbers)
    assert shown == list(range(100, 900))
    assert numbers[:5] != sorted(numbers[:5]) or numbers[5:10] != sorted(numbers[5:10])
    for serial, number in zip(range(100, 900), numbers, strict=True):
        assert series_serial_parse(series=series, number=number) == serial


def test_a_rolled_back_caller_leaves_a_gap_not_a_reissue(default_series):
    from django.db import transaction

    first = None
    try:
        with transaction.atomic():
            first = serial_block_allocate(series=default_series, count=5)
            raise RuntimeError
    except RuntimeError:
        pass
    assert serial_block_allocate(series=default_series, count=1) == first + 5


def test_issued_instances_equal_what_the_database_holds(default_series):
    from tracking.services import tracking_number_issue

    issued = tracking_number_issue(
        series=default_series, count=3, reference="R", metadata={"k": [1]}
    )
    for number in issued:
        stored = TrackingNumber.objects.get(pk=number.pk)
        for field in TrackingNumber._meta.concrete_fields:
            assert getattr(number, field.attname) == getattr(stored, field.attname)
        assert number.series == default_series
