"""Exit 1 unless beat's scheduler loop ran recently (the beat health check)."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracking.messages import BEAT_NEVER_RAN, BEAT_STALE


class Command(BaseCommand):
    help = "Fail unless celery beat touched its heartbeat file recently."

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=60, help="seconds")

    def handle(self, *args, max_age: int, **options):
        path = Path(settings.CELERY_BEAT_HEARTBEAT_FILE)
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError as e:
            raise CommandError(BEAT_NEVER_RAN.format(path=path)) from e
        if age > max_age:
            raise CommandError(BEAT_STALE.format(age=age, max_age=max_age))
        self.stdout.write(f"Beat ticked {age:.0f} s ago.")
