"""Celery settings (broker, limits, system schedules); config/settings/base.py
imports them."""

from __future__ import annotations

from celery.schedules import crontab

from config.settings import env

# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# Without a broker (the embedded default) tasks run on a thread of the web
# process (tracking.embedded), never inside the request that queued them.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default=""))
CELERY_TASK_ALWAYS_EAGER = False
TRACKING_TASKS_IN_PROCESS = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Workers log through Django's LOGGING (JSON lines), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# django-celery-beat's DatabaseScheduler, touching a heartbeat file on every
# tick (at most 5 s apart) for beat's health check (`manage.py beat_health`).
CELERY_BEAT_SCHEDULER = "tracking.beat:HeartbeatScheduler"
CELERY_BEAT_HEARTBEAT_FILE = env(
    "CELERY_BEAT_HEARTBEAT_FILE",
    default="/tmp/celerybeat-heartbeat",  # noqa: S108
)
# One message at a time per worker process: a batch run is long, and a
# prefetched message would wait behind it instead of going to an idle worker.
# https://docs.celeryq.dev/en/stable/userguide/optimizing.html#prefetch-limits
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Replace a pool child that grew past this (KiB) after its task; a batch
# worker stays far below (chunks are streamed, never held in memory).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 300_000
# Redis redelivers an unacknowledged (acks_late) message after this many
# seconds; it must exceed the longest task. Stalled batches come back sooner
# through batch_reconcile.
# https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#visibility-timeout
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 3,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fail an enqueue within about two seconds when Redis is down; the caller
# answers 503 (or leaves the batch to the reconciler) instead of hanging.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
# System schedules - the one place they are defined. Beat's DatabaseScheduler
# stores them as PeriodicTasks when it starts (no manual step);
# `manage.py setup_periodic_tasks` does the same on demand. Staff schedules
# (recurring batches, pool rules) are PeriodicTasks edited in the portal.
CELERY_BEAT_SCHEDULE = {
    # Every 30 seconds: re-enqueue batches whose worker died.
    "batch-reconcile": {
        "task": "tracking.tasks.batch_reconcile",
        "schedule": env.float("TRACKING_BATCH_RECONCILE_SECONDS", default=30.0),
        "options": {"expire_seconds": 60},
    },
    # Hourly at minute 17: https://crontab.guru/#17_*_*_*_*
    "idempotency-records-purge": {
        "task": "tracking.tasks.idempotency_records_purge",
        "schedule": crontab(minute="17"),
    },
    # Daily at 03:41: https://crontab.guru/#41_3_*_*_*
    "export-files-purge": {
        "task": "tracking.tasks.export_files_purge",
        "schedule": crontab(minute="41", hour="3"),
    },
}
