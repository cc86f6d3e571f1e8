"""Who may call what: authentication everywhere, limits that hold, safe config."""

from __future__ import annotations

import collections
import hashlib
import os
import random
import re
import subprocess
import threading
import time
import types
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.exceptions import Throttled

from tests.helpers.child import run_python
from tests.helpers.http_calls import token_call
from tests.helpers.servers import child_env, gunicorn
from tracking.models import ApiClient, TrackingNumber
from tracking.services import api_client_create, series_ensure_default

PUBLIC = {"/healthz", "/api/schema/", "/api/docs/"}


def _api_paths() -> list[str]:
    """Every route under /tracking/, with sample values for its parameters."""
    paths = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and route.startswith("tracking/"):
                paths.append("/" + re.sub(r"<[^>]+>", "1", route))

    walk(get_resolver().url_patterns, "")
    return paths


def test_there_are_api_routes_to_check():
    assert "/tracking/generate/" in _api_paths()
    assert len(_api_paths()) >= 6


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_api_route_needs_a_token(client, default_series, method):
    for path in _api_paths():
        response = getattr(client, method)(path, content_type="application/json")
        # 401, or 405 for a method the route does not have: never data.
        assert response.status_code in {401, 405}, (path, response.status_code)
        if response.status_code == 401:
            assert "Authorization: Token" in response.json()["detail"]


def test_public_routes_answer_without_a_token(client, db):
    for path in PUBLIC:
        assert client.get(path).status_code == 200, path


def test_tokens_are_stored_only_as_sha256(default_series):
    client, token = api_client_create(name="hashing")
    stored = ApiClient.objects.get(pk=client.pk)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {stored.token_hash, stored.token_prefix * 5}


def test_a_deactivated_client_is_refused(make_client):
    client, http = make_client("gone")
    client.active = False
    client.save()
    assert http.post("/tracking/generate/").status_code == 401


def _wait_if_the_hour_ends_soon() -> None:
    # Hourly windows: wait if the hour is about to roll over mid-test.
    while time.time() % 3600 > 3580:
        time.sleep(1)


# 150 per hour in blocks of 1: one Redis command per request. 400 in blocks
# of 4: at most 3 per worker are left unused at the end.
@pytest.mark.parametrize(("limit", "block"), [(150, 1), (400, 4)])
@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_holds_across_4_gunicorn_workers(limit, block):
    from django.core.cache import cache

    cache.clear()
    series_ensure_default()
    _wait_if_the_hour_ends_soon()
    _, token = api_client_create(name="greedy", rate=f"{limit}/hour")
    start = threading.Barrier(16)

    def burst(_):
        start.wait(timeout=30)
        codes = []
        for _ in range(3 * limit // 16 + 1):
            status, _ = token_call(base + "/tracking/generate/", token, timeout=30)
            codes.append(status)
        return codes

    env = child_env(TRACKING_THROTTLE_RESERVE_FRACTION=str(limit // block))
    with (
        gunicorn(workers=4, threads=4, env=env) as base,
        ThreadPoolExecutor(16) as pool,
    ):
        codes = [c for batch in pool.map(burst, range(16)) for c in batch]
    assert len(codes) >= 3 * limit
    allowed = codes.count(201)
    assert set(codes) == {201, 429}, collections.Counter(codes)
    assert limit - 4 * (block - 1) <= allowed <= limit
    assert TrackingNumber.objects.count() == allowed


def _allowed(throttling, request) -> bool:
    # A refusal is a 429 raised with its reason (the rate counts numbers).
    try:
        return throttling.ApiClientRateThrottle().allow_request(request, None)
    except Throttled:
        return False


def test_reserved_blocks_never_let_more_than_the_limit_through(
    default_series, monkeypatch
):
    """Three processes' reservations, interleaved at random, on real Redis."""
    from tracking.api import throttling

    _wait_if_the_hour_ends_soon()
    limit = 5000  # blocks of 5
    client, _ = api_client_create(name="printer-farm", rate=f"{limit}/hour")
    request = types.SimpleNamespace(user=client)
    process_memory = [{}, {}, {}]
    # The first request reserves a block of 5 in Redis and keeps 4 for later.
    monkeypatch.setattr(throttling, "_reserved", process_memory[0])
    assert _allowed(throttling, request)
    key = f"throttle:{client.pk}:3600:{int(time.time() // 3600)}"
    assert int(throttling._redis().get(key)) == 5
    assert sum(process_memory[0].values()) == 4
    rng = random.Random(5)
    allowed = 1
    for _ in range(2 * limit - 1):
        # Each process keeps its own reservations; Redis is shared.
        monkeypatch.setattr(throttling, "_reserved", rng.choice(process_memory))
        allowed += _allowed(throttling, request)
    assert limit - 3 * 4 <= allowed <= limit
    # Later requests in the window are refused in every process.
    for memory in process_memory:
        monkeypatch.setattr(throttling, "_reserved", memory)
        assert not _allowed(throttling, request)


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_portal_logins_are_locked_after_repeated_failures(client, django_user_model):
    from django.conf import settings

    django_user_model.objects.create_user("ops", password="right-password-1")
    url = "/" + settings.ADMIN_URL + "login/"
    for _ in range(3):
        client.post(url, {"username": "ops", "password": "wrong"})
    locked = client.post(url, {"username": "ops", "password": "right-password-1"})
    assert locked.status_code in {403, 429}
    assert b"locked" in locked.content.lower()


def _manage_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``manage.py check`` in a process of its own, with ``env``."""
    return run_python("manage.py", "check", *args, env=env, timeout=120)


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "a" * 10
        + "prod-like-secret-key-0123456789-abcdefghijklmnop",
        "TRACKING_SCRAMBLE_KEY": "s" * 40,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/1",
    }
    result = _manage_check(env, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_boot_without_secrets():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SECRET_KEY", "TRACKING_SCRAMBLE_KEY"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    result = _manage_check(env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_a_short_scramble_key_is_refused_in_production():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "TRACKING_SCRAMBLE_KEY": "short",
    }
    result = _manage_check(env)
    assert result.returncode != 0
    assert "TRACKING_SCRAMBLE_KEY must be at least 32 characters" in result.stderr


@override_settings(TRACKING_AUTH_CACHE_SECONDS=5)
def test_a_bad_token_costs_one_query_however_often_it_is_sent(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Token wrong-{uuid.uuid4().hex}")
    with CaptureQueriesContext(connection) as queries:
        codes = [http.post("/tracking/generate/").status_code for _ in range(5)]

    assert codes == [401] * 5
    lookups = [q for q in queries.captured_queries if "tracking_apiclient" in q["sql"]]
    assert len(lookups) == 1
