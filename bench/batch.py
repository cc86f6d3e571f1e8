"""Benchmark a batch through the real worker against PostgreSQL's raw COPY.

    python -m bench.batch [--quantity 1000000]

1. A ``quantity``-number batch of the default series, created through the
   service and written by a real ``celery -A config worker`` (concurrency 1)
   over Redis: seconds from the first to the last chunk, numbers/s, and the
   peak RSS (VmHWM) of the worker's processes.
2. Raw ``COPY FROM STDIN`` of the same number of rows of the same shape
   (same columns, same indexes and unique constraints) into a scratch table,
   from a file generated beforehand, so only PostgreSQL's work is timed;
   and into a scratch table without indexes, for reference.

Runs in its own database (``bench_batches``) and Redis database 11. Not
run by the tests.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid

from bench import common
from bench.common import PG, process_tree, psql, vm_hwm_mb
from stack.workers import CeleryWorker

DB = "bench_batches"
BROKER = os.environ.get("BENCH_BATCH_REDIS_URL", "redis://127.0.0.1:6379/11")


def env() -> dict[str, str]:
    return common.env(DB, BROKER)


def setup() -> None:
    common.fresh_database(DB, env())


def bench_worker(quantity: int) -> dict:
    os.environ.update(env())
    import django

    django.setup()
    import redis

    from tracking.models import Batch
    from tracking.services import batch_create, series_ensure_default

    redis.Redis.from_url(BROKER).flushdb()
    series = series_ensure_default()
    worker = CeleryWorker(env()).start()
    try:
        # Warm-up batch, which also waits for the worker to connect:
        # imports, connections, the first chunk's plans.
        warm = batch_create(series=series, quantity=1000)
        deadline = time.monotonic() + 60
        while Batch.objects.get(pk=warm.pk).status != Batch.Status.DONE:
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not run the warm-up batch")
            time.sleep(0.1)
        started = time.monotonic()
        batch = batch_create(series=series, quantity=quantity)
        while True:
            batch.refresh_from_db()
            if batch.status not in (Batch.Status.PENDING, Batch.Status.RUNNING):
                break
            time.sleep(0.05)
        wall = time.monotonic() - started
        assert batch.status == Batch.Status.DONE, batch.error
        rss = {pid: vm_hwm_mb(pid) for pid in process_tree(worker.proc.pid)}
    finally:
        worker.stop(timeout=30)
    # One chunk stamps start and finish together: fall back to wall time.
    seconds = (batch.finished_at - batch.started_at).total_seconds() or wall
    count = batch.numbers.count()
    assert count == quantity, count
    return {
        "seconds": seconds,
        "wall_seconds": wall,
        "rate": quantity / seconds,
        "rss_mb": rss,
    }


def bench_raw_copy(quantity: int, *, indexes: bool) -> dict:
    import psycopg2

    table = "bench_copy_indexed" if indexes else "bench_copy_plain"
    like = "INCLUDING DEFAULTS INCLUDING IDENTITY"
    if indexes:
        like += " INCLUDING INDEXES INCLUDING CONSTRAINTS"
    psql(f"DROP TABLE IF EXISTS {table}", DB)
    psql(f"CREATE TABLE {table} (LIKE tracking_trackingnumber {like})", DB)
    columns = (
        "series_id, status, metadata, client_id, issued_by_id, batch_id, "
        "created_at, void_reason, number, serial, uuid, reference"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
        fixed = "1\tissued\t{}\t\\N\t\\N\t1\t2026-01-01T00:00:00+00:00\t\t"
        for serial in range(quantity):
            f.write(f"{fixed}ZZ{serial:011d}\t{serial}\t{uuid.uuid4().hex}\t\n")
        path = f.name
    try:
        conn = psycopg2.connect(f"{PG}/{DB}")
        with conn, conn.cursor() as cur, open(path) as src:
            started = time.monotonic()
            cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN", src, size=65536)
        seconds = time.monotonic() - started
        conn.close()
    finally:
        os.unlink(path)
        psql(f"DROP TABLE IF EXISTS {table}", DB)
    return {"seconds": seconds, "rate": quantity / seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quantity", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n = args.quantity
    setup()
    # Alternate A, B, A, B... on this shared machine; medians of each.
    raws, workers = [], []
    for _ in range(args.rounds):
        raws.append(bench_raw_copy(n, indexes=True))
        # Both start from an empty table: index upkeep grows with the table,
        # and the scratch table of the raw COPY is new each round.
        psql("TRUNCATE tracking_trackingnumber", DB)
        workers.append(bench_worker(n))
    raw = sorted(raws, key=lambda r: r["rate"])[len(raws) // 2]
    worker = sorted(workers, key=lambda r: r["rate"])[len(workers) // 2]
    worker["rss_mb"] = {pid: mb for w in workers for pid, mb in w["rss_mb"].items()}
    plain = bench_raw_copy(n, indexes=False)
    peak = max(worker["rss_mb"].values())
    print(f"batch of {n:,} numbers through the worker (chunks of 50,000):")
    print(
        f"  {worker['seconds']:.2f} s worker time ({worker['wall_seconds']:.2f} s "
        f"wall), {worker['rate']:,.0f} numbers/s"
    )
    print(
        "  worker peak RSS (VmHWM) per process: "
        + ", ".join(f"{pid}: {mb:.0f} MB" for pid, mb in worker["rss_mb"].items())
    )
    print(f"raw COPY of {n:,} same-shape rows, same indexes:")
    print(f"  {raw['seconds']:.2f} s, {raw['rate']:,.0f} rows/s")
    print(f"raw COPY of {n:,} same-shape rows, no indexes:")
    print(f"  {plain['seconds']:.2f} s, {plain['rate']:,.0f} rows/s")
    print(f"ratio batch / raw COPY (same indexes): {worker['rate'] / raw['rate']:.2f}")
    print(
        f"ratio batch / raw COPY (no indexes):   {worker['rate'] / plain['rate']:.2f}"
    )
    print(f"worker peak RSS: {peak:.0f} MB")
    print(f"BENCH batch_numbers_per_s {worker['rate']:.3f} numbers/s")
    print(f"BENCH batch_seconds_per_million {1e6 / worker['rate']:.3f} s")
    print(f"BENCH raw_copy_rows_per_s {raw['rate']:.3f} rows/s")
    print(f"BENCH batch_vs_raw_copy {worker['rate'] / raw['rate']:.3f} ratio")
    print(f"BENCH batch_worker_peak_rss {peak:.3f} MB")


if __name__ == "__main__":
    main()
