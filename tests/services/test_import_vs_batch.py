"""An import checked while a batch is being created sees the batch's block."""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction

from tracking import exceptions as exc
from tracking.allocation import series_number_format
from tracking.messages import IMPORT_SERIAL_IN_BATCH
from tracking.services import batch_create, tracking_number_import_check
from tracking.tasks import batch_run_task


@pytest.mark.django_db(transaction=True)
def test_an_import_waits_for_a_batch_being_created_and_refuses_its_block(
    monkeypatch, carrier_block
):
    monkeypatch.setattr(batch_run_task, "delay", lambda *args: None)  # not run
    reserved, commit = threading.Event(), threading.Event()
    created = {}

    def create_batch():
        try:
            with transaction.atomic():
                created["batch"] = batch_create(series=carrier_block, quantity=20)
                reserved.set()  # the block is behind the allocator...
                commit.wait(timeout=30)  # ...its row not yet committed
        finally:
            connections.close_all()

    creator = threading.Thread(target=create_batch)
    creator.start()
    assert reserved.wait(timeout=30)
    first = created["batch"].first_serial
    number = series_number_format(series=carrier_block, serial=first + 3)
    threading.Timer(1.0, commit.set).start()
    with pytest.raises(exc.TrackingError) as refused:
        tracking_number_import_check(series=carrier_block, number=number)
    creator.join(timeout=30)
    assert refused.value.message == IMPORT_SERIAL_IN_BATCH.format(
        serial=first + 3, batch=created["batch"].pk, status="Pending"
    )
