"""The web server's configuration; gunicorn reads this file by default.

The request mix is short and database-bound: a generate call is one
allocation and one INSERT, so a worker spends much of each request waiting
on PostgreSQL. Sync workers: one request at a time per process and no
keep-alive, so every request is a fresh accept that any idle worker can
take; a load that holds its connections open cannot stay stuck to the
workers that happened to be ready first (gthread's keep-alive did).

A worker takes no traffic before it is warm: the application is imported
once in the master (``preload_app``) and each worker, before it accepts,
resolves the hot URLs and opens its database connection
(``post_worker_init``). A request answered at all, readiness included,
was answered by a warm worker.

Every setting can be overridden on the command line or through
GUNICORN_CMD_ARGS; the ones an operator usually sizes are read from the
environment below.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
from pathlib import Path

# Web sessions neither wait long on a lock nor hold a transaction open: a
# stuck request fails with a clear error instead of stalling the others.
# Read by config.settings (DATABASE_SESSION); the environment overrides.
for _name, _value in (
    ("DATABASE_STATEMENT_TIMEOUT", "30s"),
    ("DATABASE_LOCK_TIMEOUT", "10s"),
    ("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", "5min"),
):
    os.environ.setdefault(_name, _value)

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One worker per core: a request is mostly CPU in this process, and more
# workers than cores only contend (make bench-scale: more workers cost
# more CPU per request and a longer tail). Where the database is on
# another host and its round trips dominate, raise WEB_CONCURRENCY.
workers = int(os.environ.get("WEB_CONCURRENCY", 0) or os.cpu_count() or 1)
worker_class = "sync"
preload_app = True
backlog = 2048
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# Off by default: the application logs every request as a JSON line with
# its request id (tracking.requests); "-" adds gunicorn's own access log.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "") or None
# The proxy in front terminates TLS and sets X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Its default path is one per user: several servers on a host would share it.
control_socket_disable = True

# Prometheus counters of every worker go to files in this directory and a
# scrape of /metrics sums them (prometheus-client's multiprocess mode). Set
# before the application is imported; emptied at start so a restart does
# not add the last run's counts, and a dead worker's gauges are dropped.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(tempfile.gettempdir(), f"tracking-prometheus-{os.getpid()}"),
)
_metrics_dir = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
_metrics_dir.mkdir(parents=True, exist_ok=True)
for _stale in _metrics_dir.glob("*.db"):
    _stale.unlink()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


WARM_PATHS = ("/livez", "/healthz", "/tracking/generate/")


def post_worker_init(worker) -> None:
    """Warm this worker before its first request.

    What a cold worker pays on its first request (the URL resolver, the view
    modules, DRF's machinery, the database connection) is paid here, with
    requests that change nothing: the probes, and a generate call without
    credentials, which is refused before it reaches the allocator.
    """
    from django.conf import settings
    from django.db import connection

    host = next(
        (h for h in settings.ALLOWED_HOSTS if h not in ("*",) and h[0] != "."),
        "localhost",
    )
    requests_log = logging.getLogger("django.request")
    level, requests_log.level = requests_log.level, logging.ERROR
    for path in WARM_PATHS:
        method = "POST" if path.startswith("/tracking/") else "GET"
        try:
            _call(worker.wsgi, method, path, host)
        except Exception as exc:  # the database may still be starting
            worker.log.warning("warm-up of %s failed: %s", path, exc)
    requests_log.level = level
    with contextlib.suppress(Exception):
        connection.ensure_connection()


def _call(app, method: str, path: str, host: str) -> None:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": "0",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    response = app(environ, lambda status, headers, exc_info=None: None)
    try:
        for _ in response:
            pass
    finally:
        if hasattr(response, "close"):
            response.close()
