"""A number's series, client, batch and issuing user cannot be deleted.

The numbers table has no per-row foreign key checks (migration 0009: they
cost 45 % of an insert); Django's PROTECT and a delete guard on each parent
table keep every reference valid instead. These tests delete through raw
SQL, past Django, as a script or a psql session would.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from tests.factories import SeriesFactory
from tracking.models import ApiClient, Batch, Series, TrackingNumber
from tracking.services import (
    api_client_create,
    batch_create,
    batch_run,
    tracking_number_issue,
)

pytestmark = pytest.mark.django_db


def raw_delete(table: str, pk: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608


@pytest.fixture
def issued(default_series):
    """One number of each kind of reference: API client, user, batch."""
    client, _ = api_client_create(name="ref-client")
    user = get_user_model().objects.create_user("ref-user")
    tracking_number_issue(series=default_series, client=client)
    tracking_number_issue(series=default_series, issued_by=user)
    batch = batch_create(series=default_series, quantity=3, requested_by=user)
    batch_run(batch=batch)
    return {"series": default_series, "client": client, "user": user, "batch": batch}


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("tracking_series", "series"),
        ("tracking_apiclient", "client"),
        ("tracking_batch", "batch"),
        ("auth_user", "user"),
    ],
)
def test_a_raw_delete_of_a_referenced_row_fails(issued, table, key):
    with pytest.raises(IntegrityError, match="tracking numbers still refer to"):
        raw_delete(table, issued[key].pk)
    assert TrackingNumber.objects.count() == 5


def test_an_unreferenced_row_can_still_be_deleted(issued):
    spare = SeriesFactory(code="spare", prefix="SP", serial_width=5)
    other, _ = api_client_create(name="never-issued")
    raw_delete("tracking_series", spare.pk)
    raw_delete("tracking_apiclient", other.pk)
    assert not Series.objects.filter(pk=spare.pk).exists()
    assert not ApiClient.objects.filter(pk=other.pk).exists()


def test_django_refuses_too(issued):
    for obj in (issued["series"], issued["client"], issued["batch"], issued["user"]):
        with pytest.raises(ProtectedError):
            obj.delete()
    assert Batch.objects.filter(pk=issued["batch"].pk).exists()
