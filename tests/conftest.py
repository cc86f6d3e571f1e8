"""Shared fixtures: personas and API clients, on the real PostgreSQL."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import S10SeriesFactory, SeriesFactory, SsccSeriesFactory
from tracking.models import Series
from tracking.services import api_client_create, series_ensure_default


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
    return S10SeriesFactory(code="rb-gb", name="Registered GB", start=12345678)


@pytest.fixture
def tiny_series(db):
    """A custom series of two-digit serials (TY00L..), ``end`` chosen by the test."""

    def make(end: int) -> Series:
        return SeriesFactory(
            code="tiny",
            prefix="TY",
            serial_width=2,
            check_char=Series.Check.LUHN,
            end=end,
        )

    return make


@pytest.fixture
def sscc_series(db) -> Series:
    """Its first number is 306141410000000006, GS1's own example."""
    return SsccSeriesFactory(company_prefix="0614141")


@pytest.fixture
def carrier_block(db) -> Series:
    """A series for a block a carrier allocated: RR 50000000..50000099 GB."""
    return S10SeriesFactory(
        code="carrier-block",
        name="Carrier block",
        service_indicator="RR",
        start=50_000_000,
        end=50_000_099,
    )


# PORTAL PERSONAS
# ------------------------------------------------------------------------------
# Staff users of the portal, one per role (tracking.roles). ``admin_user``
# replaces pytest-django's superuser fixture of that name: it is a member of
# the Administrator group, so admin_client tests what that role may do.
PORTAL_PASSWORD = "portal-pass-8213"


def _portal_user(username: str, group: str | None, *, superuser: bool = False):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(
        username=username,
        password=PORTAL_PASSWORD,
        is_staff=True,
        is_superuser=superuser,
    )
    if group is not None:
        # Transactional (live server) tests flush the groups; recreate them.
        if not Group.objects.filter(name=group).exists():
            from django.apps import apps

            from tracking.roles import roles_sync

            roles_sync(apps)
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def staff_user(db, default_series):
    """A superuser: everything the portal offers."""
    return _portal_user("alice", None, superuser=True)


@pytest.fixture
def admin_user(db, default_series):
    from tracking.roles import ADMINISTRATOR

    return _portal_user("ada", ADMINISTRATOR)


@pytest.fixture
def operator_user(db, default_series):
    from tracking.roles import OPERATOR

    return _portal_user("olga", OPERATOR)


@pytest.fixture
def viewer_user(db, default_series):
    from tracking.roles import VIEWER

    return _portal_user("vic", VIEWER)
