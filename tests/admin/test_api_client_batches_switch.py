"""The portal's API client form grants the right to create batches."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from tracking.models import ApiClient
from tracking.services import api_client_create, api_client_rotate_token


def batch_status(client: ApiClient) -> int:
    http = APIClient()
    token = api_client_rotate_token(client=client)
    http.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return http.post("/tracking/batches/", {"quantity": 2}, format="json").status_code


def form(name: str, series, **switches) -> dict:
    return {"name": name, "active": "on", "series": [series.pk], "rate": "", **switches}


def test_a_client_created_with_the_switch_may_create_batches(
    client, admin_user, default_series
):
    client.force_login(admin_user)
    client.post(
        reverse("admin:tracking_apiclient_add"),
        form("erp", default_series, can_create_batches="on"),
    )
    client.post(
        reverse("admin:tracking_apiclient_add"), form("scanner", default_series)
    )
    assert batch_status(ApiClient.objects.get(name="erp")) == 202
    assert batch_status(ApiClient.objects.get(name="scanner")) == 403


def test_ticking_the_switch_on_an_existing_client_grants_batches(
    client, admin_user, default_series
):
    existing, _ = api_client_create(name="wms")
    assert batch_status(existing) == 403
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:tracking_apiclient_change", args=[existing.pk]),
        form("wms", default_series, can_create_batches="on"),
    )
    assert response.status_code == 302
    assert batch_status(ApiClient.objects.get(pk=existing.pk)) == 202
