"""Shared fixtures: personas and API clients, on the real PostgreSQL."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tracking.models import Series
from tracking.services import api_client_create, series_ensure_default, series_save


@pytest.fixture
def default_series(db) -> Series:
    # Data migrations create it, but transactional tests flush every table.
    return series_ensure_default()


@pytest.fixture
def make_client(db, default_series):
    """Create an API client; return (client, http) with its token set."""

    def make(name: str = "printer-1", **kwargs):
        client, token = api_client_create(name=name, **kwargs)
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        http.token = token
        return client, http

    return make


@pytest.fixture
def api(make_client):
    """An HTTP client authenticated as an ordinary API client."""
    return make_client("label-printer")[1]


@pytest.fixture
def admin_api(make_client):
    """An HTTP client of an API client that administers series."""
    return make_client("ops-admin", can_admin_series=True)[1]


@pytest.fixture
def s10_series(db) -> Series:
    return series_save(
        series=Series(
            code="rb-gb",
            name="Registered GB",
            scheme=Series.Scheme.S10,
            service_indicator="RB",
            country_code="GB",
            start=12345678,
        )
    )
