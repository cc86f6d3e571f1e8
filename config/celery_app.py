"""The Celery app. ``celery -A config worker`` / ``celery -A config beat``."""

import os
import time

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Without a broker, tasks run on the web process' own thread (tracking.embedded).
app = Celery("tracking", task_cls="tracking.embedded:InProcessTask")
# All CELERY_* Django settings configure the app.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _log_context_open(**kwargs):
    from tracking.log_context import task_context_open

    task_context_open(**kwargs)


@task_postrun.connect
def _log_context_close(**kwargs):
    from tracking.log_context import task_context_close

    task_context_close(**kwargs)


@before_task_publish.connect
def _stamp_beat_send_time(headers=None, **kwargs):
    """Tell a scheduled task when beat sent it (the ``beat_sent_at`` header).

    ``tracking.tasks.schedule_batch`` derives its schedule slot from this,
    so a message delivered late or twice still maps to the slot it was for.
    """
    if headers is not None and headers.get("periodic_task_name"):
        headers.setdefault("beat_sent_at", time.time())
