"""The embedded run's task worker: one thread of the web process.

Without a broker (``make run``: SQLite, nothing else to start) a Celery task
is not sent anywhere: ``InProcessTask.apply_async`` puts it on this
process' queue and a daemon thread runs the queue in order. A request that
queues a batch returns at once and polls see the batch advance chunk by
chunk. One thread is enough: SQLite takes one writer at a time anyway.

Nothing is lost with the process: a batch's progress lives on its row, and
the worker frees and queues every unfinished batch when it starts (a batch
cut off by a crash or a restart resumes at ``done`` at once), then every
``TRACKING_BATCH_RECONCILE_SECONDS`` queues stalled ones, such as batches
queued by other processes (a management command, a second server).
``manage.py serve`` also runs beat on a thread, so staff schedules run.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from celery import Task
from celery.signals import before_task_publish
from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_queue: queue.SimpleQueue[tuple[str, tuple, dict, dict]] = queue.SimpleQueue()
_started = threading.Lock()
_thread: threading.Thread | None = None
# SQLite's lock is not fair: a writer kept waiting retries every 100 ms, and
# a worker that began its next chunk at once would starve it. A batch runs
# one chunk per task (TRACKING_BATCH_SLICE_SECONDS is 0 on SQLite) and the
# worker pauses this long after each task, so requests write in between.
_PAUSE_SECONDS = 0.1


class InProcessTask(Task):
    """Celery's task class (``config.celery_app``), queued in-process when
    ``TRACKING_TASKS_IN_PROCESS`` is set and tasks are not run eagerly."""

    def apply_async(self, args=None, kwargs=None, task_id=None, **options):
        if self.app.conf.task_always_eager or not settings.TRACKING_TASKS_IN_PROCESS:
            return super().apply_async(args, kwargs, task_id=task_id, **options)
        # Queued is published: receivers stamp headers as for a broker
        # (beat's send time, config.celery_app).
        headers = dict(options.get("headers") or {})
        before_task_publish.send(sender=self.name, headers=headers, body=None)
        worker_start()
        _queue.put((self.name, tuple(args or ()), dict(kwargs or {}), headers))
        return self.AsyncResult(task_id or "in-process")


def worker_start() -> None:
    """Start this process' worker thread unless it runs already."""
    global _thread
    with _started:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_work, name="tasks", daemon=True)
            _thread.start()


def beat_start() -> None:
    """Run Celery beat on a thread of this process (the schedules' clock).

    Beat hands due tasks to ``apply_async``, which queues them here; its
    producer still opens a broker connection, so it gets the in-memory
    transport. Started by ``manage.py serve`` only, never lazily, so one
    server runs one clock.
    """
    from celery.beat import EmbeddedService

    from config.celery_app import app

    app.conf.broker_url = "memory://"
    # Register every task first: beat sends a task it does not know by name
    # to the broker, where nothing here would read it.
    app.loader.import_default_modules()
    EmbeddedService(
        app, thread=True, scheduler_cls=settings.CELERY_BEAT_SCHEDULER
    ).start()


def _work() -> None:
    from tracking.services import batch_reconcile, batch_resume_all

    every = settings.CELERY_BEAT_SCHEDULE["batch-reconcile"]["schedule"]
    _run(batch_resume_all)  # whatever a crash or a restart left unfinished
    while True:
        try:
            name, args, kwargs, headers = _queue.get(timeout=every)
        except queue.Empty:
            _run(batch_reconcile)
            continue
        from config.celery_app import app

        # apply() runs the task here as a worker would (retries included)
        # and keeps its exception in the result instead of raising it.
        result = _run(app.tasks[name].apply, args, kwargs, throw=False, headers=headers)
        if result is not None and result.failed():
            logger.error("task %s%s failed: %r", name, args, result.result)
        time.sleep(_PAUSE_SECONDS)


def _run(function, *args, **kwargs):
    close_old_connections()
    try:
        return function(*args, **kwargs)
    except Exception:
        logger.exception("in-process task %s failed", function)
        return None
    finally:
        close_old_connections()
