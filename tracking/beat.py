"""Beat's own heartbeat: a file the scheduler touches on every tick.

A container health check of beat can only see the process; a beat whose
scheduler loop hangs (a stuck database call) keeps its process alive and
sends nothing. The file's age is how long ago the loop last ran;
``manage.py beat_health`` fails when it is too old.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler


class HeartbeatScheduler(DatabaseScheduler):
    """django-celery-beat's scheduler, touching the heartbeat file each tick."""

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        Path(settings.CELERY_BEAT_HEARTBEAT_FILE).touch()
        return interval
