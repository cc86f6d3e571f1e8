"""Health endpoint, docs and the operator commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import override_settings

from tracking.models import ApiClient


def test_health_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_health_is_503_when_the_broker_is_down(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")


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
