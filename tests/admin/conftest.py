"""The Django test client logged in as each portal role (tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def administrator(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def operator(client, operator_user):
    client.force_login(operator_user)
    return client


@pytest.fixture
def viewer(client, viewer_user):
    client.force_login(viewer_user)
    return client
