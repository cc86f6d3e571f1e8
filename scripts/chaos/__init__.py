"""Fault-injection run of the whole stack, checked like Jepsen's set checker.

Starts its own stack on loopback and free ports - a throw-away PostgreSQL
15 cluster (``initdb`` as the ``postgres`` OS user), a TCP proxy in front of
it that can drop every connection, its own ``redis-server``, gunicorn (3
sync workers) and a Celery worker - loads ``POST /tracking/generate/`` from
many clients while it kills gunicorn workers, restarts PostgreSQL and
Redis, cuts database connections and cancels allocator calls mid-flight
(then no series may be stalled), then checks that no acknowledged
number was duplicated or lost, that retries with the same Idempotency-Key
returned the same numbers, that the batch created at the start finished
with exactly its quantity, and that every error answer was a 503 with a
clear JSON body (never a 500). Everything it started is stopped and its
temporary directory removed on the way out, failure or Ctrl-C included.

Beat is not started: this script sends ``tracking.tasks.batch_reconcile``
to the worker every few seconds itself, as beat would.

    python -m scripts.chaos              # full: 32 clients, 60 s, batch 200,000
    python -m scripts.chaos --short      # CI: 8 clients, 15 s, batch 50,000

Every operation is logged as a JSON line under ``chaos-results/<stamp>/``.
Exit status 0 only if every check passes.

One module per part: ``rig`` (the stack under test, from the shared
``stack`` package), ``load`` (the clients), ``faults`` (what breaks and
when), ``checks`` (the verdict) and ``__main__`` (the command line).
"""
