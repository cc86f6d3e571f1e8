"""``manage.py resync_allocators [--margin N] [--dry-run]``.

Run after promoting a standby (or restoring a backup): move every series'
allocator past the highest serial the database knows of, so no serial is
handed out twice.

An asynchronous standby can lag its primary: after a failover the series'
sequences may stand behind serials that were stored (and replicated) and,
worse, behind serials issued on the old primary that never reached the
standby. The first kind this command finds itself: the largest stored
serial of each series and the end of each batch's reserved block (a batch
writes its block after reserving it). The second kind no database query can
see; ``--margin`` skips that many serials more, so choose it above the
serials a series can issue during the longest replication lag.

Never moves an allocator backwards, and is safe with the application
running (``tracking.allocation.allocator_move_up``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Max

from tracking import allocation
from tracking.messages import counted
from tracking.models import Batch, Series, TrackingNumber


class Command(BaseCommand):
    help = (
        "Move every series' allocator past its highest stored or reserved "
        "serial (plus --margin); run after a failover or a restore."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--margin",
            type=int,
            default=0,
            help="Skip this many serials more per series: serials issued on a "
            "lost primary that never reached this database (default 0).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would change; change nothing.",
        )

    def handle(self, *args, margin: int, dry_run: bool, **options):
        if margin < 0:
            raise CommandError("--margin must be 0 or more.")
        changed = 0
        for series in Series.objects.order_by("pk"):
            if self._resync(series, margin=margin, dry_run=dry_run):
                changed += 1
        verb = "would move" if dry_run else "moved"
        self.stdout.write(f"{verb} {counted(changed, 'allocator')}")

    def _highest_known(self, series: Series) -> int | None:
        stored = TrackingNumber.objects.filter(series=series).aggregate(
            m=Max("serial")
        )["m"]
        reserved = (
            Batch.objects.filter(series=series)
            .annotate(last=F("first_serial") + F("quantity") - 1)
            .aggregate(m=Max("last"))["m"]
        )
        known = [v for v in (stored, reserved) if v is not None]
        return max(known) if known else None

    def _resync(self, series: Series, *, margin: int, dry_run: bool) -> bool:
        highest = self._highest_known(series)
        floor = series.start if highest is None else highest + 1
        # end + 1: the series is exhausted, never wrapped.
        target = min(floor + margin, series.end + 1)
        current = allocation.allocator_move_up(series, to=target, dry_run=dry_run)
        if current is not None and current >= target:
            self.stdout.write(
                f"{series.code}: next serial {current}, highest known {highest}: ok"
            )
            return False
        self.stdout.write(
            f"{series.code}: next serial {current}, highest known {highest}: "
            f"{'would move' if dry_run else 'moved'} to {target}"
        )
        return True
