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
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Waiting on the database leaves a core idle for part of each request, so
# a couple of workers per core keep the cores busy without piling up
# processes that only contend for them.
workers = int(os.environ.get("WEB_CONCURRENCY", 0) or (2 * (os.cpu_count() or 1) + 1))
worker_class = "sync"
preload_app = True
backlog = 2048
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# The proxy in front terminates TLS and sets X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

WARM_PATHS = ("/tracking/generate/", "/healthz", "/livez")


def post_worker_init(worker) -> None:
    """Warm this worker before its first request.

    What a cold worker pays on its first request (the URL resolver, the
    view modules it imports, the database connection and its session
    settings) is paid here, before the worker accepts.
    """
    from django.db import connection
    from django.urls import Resolver404, get_resolver

    resolver = get_resolver()
    for path in WARM_PATHS:
        with contextlib.suppress(Resolver404):
            resolver.resolve(path)
    try:
        connection.ensure_connection()
    except Exception as exc:  # the database may still be starting
        worker.log.warning("warm-up: no database connection yet (%s)", exc)
