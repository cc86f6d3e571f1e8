"""The API while the database is unreachable: 503 with a clear body, never 500.

Each test points Django's real connection at a port where no PostgreSQL
answers (refused), or at a server that accepts and hangs up at once (what a
restarting server or a cut network looks like), then puts it back. No mock
of the database: psycopg2 fails for real.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import override_settings

from stack.processes import free_port
from tracking.messages import DATABASE_UNAVAILABLE

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def database_at(port: int) -> Iterator[None]:
    """Send Django's next connections to 127.0.0.1:``port``; restore after."""
    saved = connection.settings_dict.copy()
    connection.close()
    connection.settings_dict.update(
        HOST="127.0.0.1", PORT=port, OPTIONS={**saved["OPTIONS"], "connect_timeout": 2}
    )
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@contextlib.contextmanager
def hang_up_server() -> Iterator[int]:
    """A TCP server that accepts every connection and closes it at once."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def assert_database_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response.json() == {"detail": DATABASE_UNAVAILABLE}
    assert response["Retry-After"] == "2"


def test_generate_is_503_when_the_database_refuses_connections(api):
    # Authentication is the first query (the token cache is off in tests).
    with database_at(free_port()):
        response = api.post("/tracking/generate/", HTTP_IDEMPOTENCY_KEY="k-1")
    assert_database_unavailable(response)
    # Back up: the same key issues the number now, once.
    first = api.post("/tracking/generate/", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/tracking/generate/", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["tracking_number"] == again.json()["tracking_number"]


@override_settings(TRACKING_AUTH_CACHE_SECONDS=60)
def test_generate_is_503_when_the_allocator_cannot_be_reached(api):
    # Token and series are cached by the first request, so the failure is
    # raised by the allocator itself, past authentication.
    assert api.post("/tracking/generate/", {"count": 2}).status_code == 201
    with hang_up_server() as port, database_at(port):
        response = api.post(
            "/tracking/generate/", {"count": 2}, HTTP_IDEMPOTENCY_KEY="k-2"
        )
    assert_database_unavailable(response)


def test_generate_is_503_when_the_server_hangs_up(api):
    with hang_up_server() as port, database_at(port):
        response = api.post("/tracking/generate/")
    assert_database_unavailable(response)


def test_other_endpoints_are_503_too(make_client):
    api = make_client("bulk", can_create_batches=True)[1]
    with database_at(free_port()):
        batch = api.post("/tracking/batches/", {"quantity": 10})
        listing = api.get("/tracking/numbers/")
    assert_database_unavailable(batch)
    assert_database_unavailable(listing)


def test_health_is_503_when_the_database_is_down(client):
    with database_at(free_port()):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "error: OperationalError"},
    }


def test_livez_stays_200_when_the_database_is_down(client):
    with database_at(free_port()):
        response = client.get("/livez")
    assert response.status_code == 200
