"""Fixtures of the tests that run real Celery workers and beat."""

from __future__ import annotations

import os

import pytest
import redis

# Its own Redis database, so that parallel checkouts do not share a broker.
BROKER = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def broker() -> str:
    """A Redis database of its own for the broker, empty before and after."""
    redis.Redis.from_url(BROKER).flushdb()
    yield BROKER
    redis.Redis.from_url(BROKER).flushdb()
