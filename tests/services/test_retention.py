"""The daily purge keeps once-per-token records for their retention, then drops them."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from tracking.models import IdempotencyRecord, PortalSubmission
from tracking.services import api_client_create, idempotency_records_purge


def test_keys_and_portal_submissions_past_retention_are_purged(settings, operator_user):
    settings.TRACKING_IDEMPOTENCY_TTL_HOURS = 48
    client, _ = api_client_create(name="printer")
    now = timezone.now()
    ages = {"old": now - timedelta(hours=49), "young": now - timedelta(hours=47)}
    for key, created in ages.items():
        IdempotencyRecord.objects.create(
            client=client,
            key=key,
            request_hash="0" * 64,
            response_status=201,
            response_body={},
            created_at=created,
        )
        PortalSubmission.objects.create(
            token=uuid.uuid4(), user=operator_user, created_at=created
        )

    assert idempotency_records_purge() == 2

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["young"]
    assert list(PortalSubmission.objects.values_list("created_at", flat=True)) == [
        ages["young"]
    ]
