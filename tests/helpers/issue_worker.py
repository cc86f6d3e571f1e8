"""One OS process issuing numbers through the service with its own connection.

Run as ``python -m tests.helpers.issue_worker SEED COUNT``; prints one JSON
line: the numbers it committed and the ones whose transaction rolled back.
"""

from __future__ import annotations

import json
import os
import random
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import transaction  # noqa: E402

from tracking.models import Series  # noqa: E402
from tracking.services import tracking_number_issue  # noqa: E402


class Rollback(Exception):
    pass


def main(seed: int, total: int, series_code: str) -> None:
    rng = random.Random(seed)
    series = Series.objects.get(code=series_code)
    committed: list[list] = []
    rolled_back: list[str] = []
    done = 0
    while done < total:
        count = min(rng.choice([1, 1, 1, 1, 2, 5, 10]), total - done)
        if rng.random() < 0.2:
            try:
                with transaction.atomic():
                    numbers = tracking_number_issue(series=series, count=count)
                    rolled_back.extend(n.number for n in numbers)
                    raise Rollback
            except Rollback:
                pass
        else:
            numbers = tracking_number_issue(series=series, count=count)
            committed.extend([n.number, n.serial] for n in numbers)
        done += count
    print(json.dumps({"committed": committed, "rolled_back": rolled_back}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
