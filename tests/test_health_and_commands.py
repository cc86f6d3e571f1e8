"""Health endpoint, docs and the operator commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from tracking import health
from tracking.messages import DEMO_CLIENT_NOTE
from tracking.models import ApiClient, Series
from tracking.services import api_client_create

READY = {"database": "ok", "allocator": "ok", "scramble_key": "ok"}


def test_health_reports_what_issuing_needs(client, default_series):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": READY}


def test_livez_answers_without_touching_the_database(
    client, db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@override_settings(
    CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_TASK_ALWAYS_EAGER=False
)
def test_a_broker_outage_is_reported_but_leaves_the_service_ready(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {**READY, "broker": "error: ConnectionError"},
    }


def test_health_is_503_when_a_series_has_no_allocator_sequence(client, default_series):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE tracking_series_{default_series.pk}_seq")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["allocator"] == (
        health.SEQUENCES_MISSING.format(codes="default")
    )


@override_settings(TRACKING_SCRAMBLE_KEY="")
def test_health_is_503_when_scrambled_series_have_no_key(client, default_series):
    Series.objects.filter(pk=default_series.pk).update(mode=Series.Mode.SCRAMBLED)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["scramble_key"] == health.SCRAMBLE_KEY_MISSING


def test_health_and_batch_creation_reuse_one_redis_connection(
    client, make_client, settings, monkeypatch
):
    import redis.connection

    from tracking.redis_pool import redis_client
    from tracking.tasks import batch_run_task

    settings.CELERY_BROKER_URL = settings.REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(batch_run_task, "delay", lambda *a, **k: None)
    connects = []
    real_connect = redis.connection.Connection._connect
    monkeypatch.setattr(
        redis.connection.Connection,
        "_connect",
        lambda self: connects.append(self) or real_connect(self),
    )
    _, api = make_client("batcher", can_create_batches=True)

    def probe_and_create() -> None:
        assert client.get("/healthz").json()["checks"]["broker"] == "ok"
        assert api.post("/tracking/batches/", {"quantity": 3}).status_code == 202

    redis_client.cache_clear()  # no pool connected by an earlier test
    probe_and_create()  # connects the process' pools once
    assert connects
    connects.clear()
    for _ in range(5):
        probe_and_create()
    assert connects == []


def test_schema_and_docs_need_no_token(client, db):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_the_schema_links_what_creates_a_resource_to_what_reads_it(client, db):
    schema = client.get("/api/schema/?format=json").json()
    generate = schema["paths"]["/tracking/generate/"]["post"]["responses"]["201"]
    assert generate["links"]["GetNumber"] == {
        "operationId": "tracking_numbers_retrieve",
        "parameters": {"number": "$response.body#/tracking_number"},
    }
    batch = schema["paths"]["/tracking/batches/"]["post"]["responses"]["202"]
    assert batch["links"]["GetBatch"]["parameters"] == {
        "batch_id": "$response.body#/id"
    }
    operation_ids = {
        op["operationId"] for path in schema["paths"].values() for op in path.values()
    }
    # Every route of what was created (labels, barcodes, CSV) is linked too.
    creators = {"{number}": generate, "{batch_id}": batch}
    for route, path in schema["paths"].items():
        for parameter, creator in creators.items():
            if route.count("{") == 1 and parameter in route:
                linked = {link["operationId"] for link in creator["links"].values()}
                assert {op["operationId"] for op in path.values()} <= linked, route
    for path in schema["paths"].values():
        for op in path.values():
            for response in op["responses"].values():
                for link in response.get("links", {}).values():
                    assert link["operationId"] in operation_ids


def test_create_api_client_prints_the_token_last(client, default_series):
    out = StringIO()
    call_command("create_api_client", "warehouse-7", "--rate", "10/second", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert len(token) == 40
    stored = ApiClient.objects.get(name="warehouse-7")
    assert token not in stored.token_hash
    response = client.post(
        "/tracking/generate/",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 201


def test_create_api_client_refuses_unknown_series(db):
    with pytest.raises(CommandError, match="Unknown series 'nope'"):
        call_command("create_api_client", "x", "--series", "nope", stdout=StringIO())


def test_demo_setup_prints_an_administrators_token_and_says_so(client, db):
    # A demo client left by an older `make run` was not an administrator.
    api_client_create(name="demo")
    out = StringIO()
    call_command("demo_setup", stdout=out)
    *_, note, last = out.getvalue().strip().splitlines()
    assert note == DEMO_CLIENT_NOTE.format(name="demo")
    token = last.removeprefix("API token: ")
    response = client.post(
        "/tracking/series/",
        {
            "code": "rb-gb",
            "name": "GB",
            "scheme": "s10",
            "service_indicator": "RB",
            "country_code": "GB",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 201, response.json()


def test_rate_limit_answers_429(make_client):
    cache.clear()
    _, http = make_client("slow", rate="3/minute")
    codes = [http.post("/tracking/generate/").status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]


def test_every_response_says_how_long_the_server_took(client, db):
    response = client.get("/healthz")
    name, duration = response["Server-Timing"].split(";dur=")
    assert name == "app"
    assert 0 < float(duration) < 10_000
