"""/metrics, structured request logs and optional Sentry."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import types
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers.child import run_python
from tests.helpers.servers import child_env, gunicorn
from tracking.messages import METRICS_FORBIDDEN
from tracking.services import api_client_create, batch_create, series_ensure_default


def scrape(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of an exposition text."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _metrics(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    return scrape(response.content.decode())


def test_a_scrape_after_a_few_requests_reports_what_happened(
    client, make_client, default_series
):
    _, api = make_client("scraped")
    before = _metrics(client)
    for _ in range(3):
        assert api.post("/tracking/generate/").status_code == 201
    assert api.get("/tracking/nowhere/").status_code == 404
    batch_create(series=default_series, quantity=50)

    after = _metrics(client)

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("tracking_http_responses_total", status="201") == 3
    assert delta("tracking_http_responses_total", status="404") == 1
    assert delta("tracking_allocator_call_seconds_count") == 4
    # Deltas: the series' sequence keeps what earlier tests drew.
    assert delta("tracking_numbers_issued_total", series="default") == 53
    assert delta("tracking_series_remaining", series="default") == -53
    # The batch reserved its block; its run waits for the commit.
    assert after[("tracking_batches", (("status", "pending"),))] == 1
    assert after[("tracking_batch_numbers_left", ())] == 50
    assert 0 <= after[("tracking_batch_lag_seconds", ())] < 60
    assert ("tracking_throttle_fail_open_total", ()) in after


@pytest.mark.parametrize(
    ("remote", "token_kind", "status"),
    [
        ("127.0.0.1", None, 200),
        ("10.1.2.3", None, 403),
        ("10.1.2.3", "ordinary", 403),
        ("10.1.2.3", "admin", 200),
    ],
)
def test_metrics_answer_loopback_and_admin_tokens_only(
    client, default_series, remote, token_kind, status
):
    headers = {"REMOTE_ADDR": remote}
    if token_kind:
        _, token = api_client_create(
            name=f"{token_kind}-scraper", can_admin_series=token_kind == "admin"
        )
        headers["HTTP_AUTHORIZATION"] = f"Token {token}"

    response = client.get("/metrics", **headers)

    assert response.status_code == status
    if status == 403:
        assert response.json() == {"detail": METRICS_FORBIDDEN}


@override_settings(TRACKING_METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"])
def test_the_allowed_networks_are_configurable(client, db):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@override_settings(
    CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_TASK_ALWAYS_EAGER=False
)
def test_a_broker_outage_shows_in_metrics(client, db):
    assert _metrics(client)[("tracking_broker_up", ())] == 0


def test_queue_depth_is_read_from_the_broker(client, db, settings):
    from tracking.redis_pool import redis_client

    settings.CELERY_BROKER_URL = settings.REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_TASK_DEFAULT_QUEUE = "metrics-test-queue"
    redis = redis_client(settings.REDIS_URL)
    redis.delete("metrics-test-queue")
    redis.rpush("metrics-test-queue", "a", "b")
    try:
        found = _metrics(client)
    finally:
        redis.delete("metrics-test-queue")
    assert found[("tracking_broker_up", ())] == 1
    assert found[("tracking_queue_depth", (("queue", "metrics-test-queue"),))] == 2


def test_a_throttle_store_failure_is_counted(client, make_client, settings):
    from tracking.api import throttling
    from tracking.metrics import THROTTLE_FAIL_OPEN

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    client_, _ = make_client("unlimited-for-now")
    throttling._state["down_until"] = 0.0
    before = THROTTLE_FAIL_OPEN._value.get()
    request = types.SimpleNamespace(user=client_)
    try:
        for _ in range(3):
            assert throttling.ApiClientRateThrottle().allow_request(request, None)
    finally:
        throttling._state["down_until"] = 0.0
    assert THROTTLE_FAIL_OPEN._value.get() - before == 3


def _per_process_201s(directory: Path, scratch: Path) -> list[float]:
    """201 responses counted by each process' own file."""
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    counts = []
    for i, file in enumerate(sorted(directory.glob("counter_*.db"))):
        alone = scratch / str(i)
        alone.mkdir()
        shutil.copy(file, alone)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(alone))
        found = scrape(generate_latest(registry).decode())
        counts.append(found.get(("tracking_http_responses_total", STATUS_201), 0))
    return counts


STATUS_201 = (("status", "201"),)


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_every_gunicorn_workers_counts_are_in_one_scrape(tmp_path):
    series_ensure_default()
    _, token = api_client_create(name="multi")
    metrics_dir = tmp_path / "metrics"
    env = child_env(PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))

    def generate(_) -> int:
        request = urllib.request.Request(
            base + "/tracking/generate/",
            method="POST",
            headers={"Authorization": f"Token {token}"},
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status

    with gunicorn(workers=3, env=env) as base, ThreadPoolExecutor(6) as pool:
        with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
            before = scrape(response.read().decode())
        assert list(pool.map(generate, range(60))) == [201] * 60
        with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
            found = scrape(response.read().decode())
        per_process = _per_process_201s(metrics_dir, tmp_path)
    assert found[("tracking_http_responses_total", STATUS_201)] == 60
    assert found[("tracking_allocator_call_seconds_count", ())] == 60
    issued = ("tracking_numbers_issued_total", (("series", "default"),))
    assert found[issued] - before.get(issued, 0) == 60
    # More than one worker served, and the scrape summed them.
    assert sum(per_process) == 60
    assert sorted(per_process)[-2] > 0


def test_each_request_logs_one_json_line_with_its_context(make_client, settings):
    from django.utils.module_loading import import_string

    from tracking.log_context import ContextFilter

    config = settings.LOGGING["formatters"]["json"]
    formatter = import_string(config["()"])(
        config["fmt"], rename_fields=config["rename_fields"]
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("tracking.requests")
    logger.addHandler(handler)
    _, api = make_client("logged")
    try:
        response = api.post(
            "/tracking/generate/", HTTP_IDEMPOTENCY_KEY="order-77", format="json"
        )
    finally:
        logger.removeHandler(handler)

    (line,) = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert response.status_code == 201
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert line["level"] == "INFO"
    assert {k: line[k] for k in ("client", "series", "idempotency_key", "status")} == {
        "client": "logged",
        "series": "default",
        "idempotency_key": "order-77",
        "status": 201,
    }


def test_a_proxys_request_id_is_kept(client, db):
    response = client.get("/livez", HTTP_X_REQUEST_ID="edge-1234")
    assert response["X-Request-ID"] == "edge-1234"
    odd = client.get("/livez", HTTP_X_REQUEST_ID="no spaces <allowed>")
    assert odd["X-Request-ID"] != "no spaces <allowed>"


@pytest.mark.parametrize("dsn", ["", "http://public@127.0.0.1:9/1"])
def test_sentry_is_loaded_only_when_its_dsn_is_set(dsn):
    code = (
        "import sys, django; django.setup(); "
        "loaded = 'sentry_sdk' in sys.modules; "
        "print(loaded and sys.modules['sentry_sdk'].get_client().is_active())"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env["SENTRY_DSN"] = dsn
    result = run_python("-c", code, env=env, timeout=60)
    assert result.stdout.strip() == ("True" if dsn else "False"), result.stderr
