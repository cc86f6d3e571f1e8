"""Two series created at once cannot both pass the collision check."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection

from tracking import exceptions as exc
from tracking.models import Series
from tracking.services import series as series_services


@pytest.mark.django_db(transaction=True)
def test_two_colliding_series_saved_at_once_are_not_both_created(monkeypatch):
    # Each save waits (up to 2 s) after its check for the other save to
    # have checked too: without one lock over check and save, both checks
    # see no collision and both series are created.
    checked = threading.Barrier(2, timeout=2)
    check = series_services._series_collisions

    def check_then_wait(series):
        errors = check(series)
        with contextlib.suppress(threading.BrokenBarrierError):
            checked.wait()
        return errors

    monkeypatch.setattr(series_services, "_series_collisions", check_then_wait)
    outcomes: dict[str, object] = {}

    def save(code: str) -> None:
        try:
            series_services.series_save(
                series=Series(
                    code=code, name=code, scheme="custom", prefix="DUP", serial_width=5
                )
            )
            outcomes[code] = "created"
        except exc.ValidationFailed as e:
            outcomes[code] = e.errors
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(c,)) for c in ("dup-a", "dup-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(str(v) for v in outcomes.values()).count("created") == 1
    assert Series.objects.filter(prefix="DUP").count() == 1
    refused = next(v for v in outcomes.values() if v != "created")
    assert "could equal numbers of series" in refused["scheme"]
