"""The shipped gunicorn.conf.py: a worker is warm before its first request."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from tests.helpers.http_calls import token_call
from tests.helpers.servers import child_env, gunicorn

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def _web_backends(app_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [app_name],
        )
        return cursor.fetchone()[0]


def test_a_worker_opens_its_database_connection_before_any_request():
    app_name = "warm-up-test"
    with gunicorn(workers=2, env=child_env(PGAPPNAME=app_name), ready_path=None):
        deadline = time.monotonic() + 20
        while _web_backends(app_name) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _web_backends(app_name) == 2


def test_the_shipped_configuration_serves_the_api(default_series):
    with gunicorn(workers=1) as base:
        request = urllib.request.Request(base + "/tracking/generate/", method="POST")
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=10)
        assert answer.value.code == 401


def test_a_connection_the_database_dropped_costs_one_retryable_answer(
    default_series,
):
    from tracking.services import api_client_create

    _, token = api_client_create(name="dropped")
    app_name = "dropped-connection-test"
    env = child_env(PGAPPNAME=app_name, CONN_MAX_AGE="600")

    def generate(base: str) -> int:
        status, said = token_call(base + "/tracking/generate/", token, timeout=10)
        return status if status < 400 or b"retry" in said.lower() else -status

    with gunicorn(workers=1, env=env) as base:
        assert generate(base) == 201
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = %s",
                [app_name],
            )
            assert cursor.fetchone()[0] == 1
        assert generate(base) in (201, 503)
        assert [generate(base) for _ in range(3)] == [201, 201, 201]


def test_a_request_line_past_the_limit_is_the_414_the_schema_documents(client):
    from tracking.api.schema import REQUEST_LINE_LIMIT
    from tracking.services import api_client_create

    _, token = api_client_create(name="long-query")
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    documented = schema["paths"]["/tracking/batches/"]["get"]["responses"]["414"]

    def get(base: str, line: int) -> tuple[int, bytes]:
        # "GET " + target + " HTTP/1.1" is ``line`` bytes long.
        target = "/tracking/batches/?cursor="
        target += "A" * (line - len(target) - len("GET  HTTP/1.1"))
        return token_call(base + target, token, method="GET", timeout=10)

    with gunicorn(workers=1) as base:
        over, said = get(base, REQUEST_LINE_LIMIT + 1)
        at, _ = get(base, REQUEST_LINE_LIMIT)
    assert (over, at) == (414, 404)  # 404: no such page, from the API
    assert said.startswith(b"<html>")
    assert list(documented["content"]) == ["text/html"]
