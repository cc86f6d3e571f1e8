"""What ``/healthz`` and ``/metrics`` report about the parts the service needs.

Readiness means the service can issue numbers: the database answers, the
allocator is installed for every active series, and scrambled series can be
mapped with the configured key. The broker is reported beside them but is
not part of readiness: issuing numbers never needs it, and taking every web
replica out of a load balancer for a Redis blip would stop all issuing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection

from tracking import allocation
from tracking.models import Series
from tracking.redis_pool import redis_client

logger = logging.getLogger(__name__)

OK = "ok"
ALLOCATOR_MISSING = "error: the allocator function tracking_allocate is missing"
SEQUENCES_MISSING = "error: no allocator sequence for series {codes}"
SCRAMBLE_KEY_MISSING = (
    "error: TRACKING_SCRAMBLE_KEY is empty and scrambled series exist"
)
SCRAMBLE_KEY_CHANGED = (
    "error: TRACKING_SCRAMBLE_KEY changed since these scrambled series were "
    "created; they refuse to issue until their key is restored: {codes}"
)


def _error(e: Exception) -> str:
    return f"error: {type(e).__name__}"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as e:
        return _error(e)
    return OK


def check_allocator() -> str:
    if connection.vendor != "postgresql":
        return OK  # SQLite: the counter row is the allocator.
    try:
        if not allocation.installed():
            return ALLOCATOR_MISSING
        missing = allocation.series_without_allocator()
    except Exception as e:
        return _error(e)
    if missing:
        return SEQUENCES_MISSING.format(codes=", ".join(missing))
    return OK


def check_scramble_key() -> str:
    try:
        scrambled = Series.objects.filter(
            active=True, mode=Series.Mode.SCRAMBLED
        ).exists()
        changed = allocation.series_key_mismatches()
    except Exception as e:
        return _error(e)
    if scrambled and not settings.TRACKING_SCRAMBLE_KEY:
        return SCRAMBLE_KEY_MISSING
    if changed:
        return SCRAMBLE_KEY_CHANGED.format(codes=", ".join(changed))
    return OK


def check_broker() -> str | None:
    """The broker's state; None when tasks run in-process (no broker)."""
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url:
        return None
    try:
        if url.startswith(("redis://", "rediss://", "unix://")):
            redis_client(url).ping()
        else:
            from config.celery_app import app

            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=1)
    except Exception as e:
        logger.warning("broker unreachable: %s", e)
        return _error(e)
    return OK


def readiness() -> tuple[bool, dict[str, str]]:
    """(ready, checks): ready when every check but the broker's is ok."""
    checks = {"database": check_database()}
    if checks["database"] == OK:
        checks["allocator"] = check_allocator()
        checks["scramble_key"] = check_scramble_key()
    ready = all(v == OK for v in checks.values())
    broker = check_broker()
    if broker is not None:
        checks["broker"] = broker
    return ready, checks
