"""``manage.py serve``: runserver plus the in-process task worker (`make run`)."""

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import (
    Command as RunserverCommand,
)

from tracking.embedded import beat_start, worker_start


class Command(RunserverCommand):
    help = (
        "Serve like runserver and, without a broker, start the task worker "
        "thread at once (batches left unfinished by a crash resume now) and "
        "beat's thread (staff schedules run)."
    )

    def inner_run(self, *args, **options):
        # inner_run runs in the process that serves (the autoreloader's
        # child), where the queued tasks must run.
        if settings.TRACKING_TASKS_IN_PROCESS:
            worker_start()
            beat_start()
        super().inner_run(*args, **options)
