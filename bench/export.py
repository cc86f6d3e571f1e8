"""CSV export of a million numbers, beside PostgreSQL's own COPY TO.

    python -m bench.export [--quick]

A: the batch CSV endpoint (GET /tracking/batches/{id}/numbers.csv) on a
   fresh one-worker gunicorn, streamed by curl; B: the portal's background
   export (service ``export_run``, CSV) in its own process; C: ``COPY
   (SELECT the same columns) TO STDOUT``. Alternating rounds, medians; peak
   RSS of the gunicorn worker and of the export process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from bench.common import (
    PG,
    RESULTS,
    alternate,
    bench_line,
    django_setup,
    env,
    fresh_database,
    process_tree,
    product_run,
    vm_hwm_mb,
)
from stack.web import Gunicorn

DB = "bench_export"
EXPORT_CHILD = """
import sys, time, django
django.setup()
from django.contrib.auth import get_user_model
from tracking.models import ExportJob
from tracking.admin.exports import export_queryset
from tracking.services import export_run
user = get_user_model().objects.get(username="bench")
job = ExportJob.objects.create(format="csv", filters={}, requested_by=user)
started = time.perf_counter()
job = export_run(export=job, queryset=export_queryset(job))
seconds = time.perf_counter() - started
# VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork+exec.
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
print(job.rows, int(hwm.split()[1]) / 1024, seconds)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 200_000 if args.quick else 1_000_000
    product = env(DB)
    fresh_database(DB, product)
    django_setup(product)
    from django.contrib.auth import get_user_model

    from tracking.services import api_client_create, batch_create, series_ensure_default

    get_user_model().objects.create_superuser("bench", "", "bench-password-0")
    client, token = api_client_create(name="bench", can_admin_series=True)
    # No broker in this environment: the batch runs in-process, via COPY.
    batch = batch_create(series=series_ensure_default(), quantity=n, client=client)
    batch.refresh_from_db()
    assert batch.done == n, batch.error

    gunicorn = Gunicorn(product, workers=1, args=["--timeout", "600"])
    url = f"{gunicorn.start()}/tracking/batches/{batch.pk}/numbers.csv"
    out: dict = {}
    try:

        def http_csv():
            body = subprocess.run(
                ["curl", "-sf", "-H", f"Authorization: Token {token}", url],
                check=True,
                capture_output=True,
            ).stdout
            assert body.count(b"\n") == n + 1

        def portal_export():
            result = product_run(
                [sys.executable, "-c", EXPORT_CHILD], product, text=True
            )
            rows, rss, job_seconds = result.stdout.split()
            assert int(rows) == n, rows
            out["export_rss_mb"] = max(out.get("export_rss_mb", 0), float(rss))
            out.setdefault("job_seconds", []).append(float(job_seconds))

        def copy_to():
            subprocess.run(
                [
                    "psql",
                    f"{PG}/{DB}",
                    "-qc",
                    "COPY (SELECT number, serial, uuid, status, reference, created_at "
                    "FROM tracking_trackingnumber ORDER BY serial) TO STDOUT WITH CSV "
                    "HEADER",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )

        seconds = alternate(
            3, http_csv=http_csv, portal_export=portal_export, copy_to=copy_to
        )
        worker_rss = max(vm_hwm_mb(p) for p in process_tree(gunicorn.proc.pid)[1:])
    finally:
        gunicorn.stop(timeout=30)
    # The export job's own time: a worker process is already running.
    seconds["portal_export"] = statistics.median(out["job_seconds"])
    rates = {k: n / v for k, v in seconds.items()}
    lines = [
        bench_line("export_batch_csv_rows_per_s", rates["http_csv"], "rows/s"),
        bench_line("export_portal_csv_rows_per_s", rates["portal_export"], "rows/s"),
        bench_line("copy_to_rows_per_s", rates["copy_to"], "rows/s"),
        bench_line(
            "export_batch_csv_vs_copy_to", rates["http_csv"] / rates["copy_to"], "ratio"
        ),
        bench_line(
            "export_portal_csv_vs_copy_to",
            rates["portal_export"] / rates["copy_to"],
            "ratio",
        ),
        bench_line("export_gunicorn_worker_peak_rss", worker_rss, "MB"),
        bench_line("export_portal_process_peak_rss", out["export_rss_mb"], "MB"),
    ]
    print(f"export of {n:,} numbers (median of 3 alternating rounds)")
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"export-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
        json.dumps({"rows": n, "seconds": seconds, "lines": lines}, indent=2)
    )


if __name__ == "__main__":
    main()
