"""``manage.py setup_periodic_tasks [--batch NAME ... | --pool NAME ...]``.

Without options: stores the system schedules - ``CELERY_BEAT_SCHEDULE`` in
``config/settings/celery.py``, the one file that defines them, each with its
crontab.guru link - as django-celery-beat PeriodicTasks. Beat does the same
when it starts, so this is only needed to see them in the portal earlier.

With ``--batch`` or ``--pool``: also creates or changes a staff schedule,
the same PeriodicTask the portal edits:

    manage.py setup_periodic_tasks --batch nightly-sscc --series pallets \\
        --quantity 500000 --crontab "0 2 * * *"     # crontab.guru/#0_2_*_*_*
    manage.py setup_periodic_tasks --pool keep-rb --series rb-gb \\
        --minimum 100000 --crontab "*/5 * * * *"    # crontab.guru/#*/5_*_*_*_*
"""

from django.core.management.base import BaseCommand, CommandError

from tracking.exceptions import TrackingError
from tracking.services import periodic_tasks_sync, pool_rule_save, schedule_batch_save


class Command(BaseCommand):
    help = "Register the system schedules; optionally add a recurring batch or pool."

    def add_arguments(self, parser):
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--batch", metavar="NAME", help="A recurring batch.")
        kind.add_argument("--pool", metavar="NAME", help="A pool rule.")
        parser.add_argument("--series", metavar="CODE")
        parser.add_argument("--quantity", type=int, help="Numbers per batch.")
        parser.add_argument("--minimum", type=int, help="Unassigned numbers to keep.")
        timing = parser.add_mutually_exclusive_group()
        timing.add_argument("--crontab", help='Five fields, e.g. "0 2 * * *" (UTC).')
        timing.add_argument("--every", type=int, metavar="SECONDS")
        parser.add_argument("--disabled", action="store_true")

    def handle(self, *args, batch, pool, series, quantity, minimum, **options):
        for name in periodic_tasks_sync():
            self.stdout.write(f"System schedule {name!r} registered.")
        if not (batch or pool):
            return
        timing = {
            "crontab": options["crontab"],
            "every_seconds": options["every"],
            "enabled": not options["disabled"],
        }
        if not series:
            raise CommandError("Give --series CODE.")
        try:
            if batch:
                if not quantity:
                    raise CommandError("Give --quantity N for a recurring batch.")
                schedule_batch_save(
                    name=batch, series_code=series, quantity=quantity, **timing
                )
                self.stdout.write(f"Recurring batch {batch!r} saved.")
            else:
                if not minimum:
                    raise CommandError("Give --minimum N for a pool rule.")
                pool_rule_save(name=pool, series_code=series, minimum=minimum, **timing)
                self.stdout.write(f"Pool rule {pool!r} saved.")
        except TrackingError as e:
            raise CommandError(e.message) from e
