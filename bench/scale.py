"""Scale-out on this machine: the shipped gunicorn configuration, swept.

    python -m bench.scale [--quick] [--workers 1,2,4] [--seconds 8]

For each worker count (1, 2, 4 ... up to the cores, unless given), the
shipped ``gunicorn.conf.py`` serves generate beside the naive and ceiling
baselines, in turn, on the same database: requests/s, p50/p99, scaling
efficiency against one worker, CPU per request. Then two restarts under
load at the largest count: load started the moment the port opens (the
first window against the next, steady one) and a graceful reload (HUP)
while load runs. Last, the allocator against bare ``nextval()`` in
pgbench at 1, 8 and 32 clients, and a duplicate check.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from bench.common import psql, publish
from bench.run import DB, bench_allocator, gunicorn, setup, wrk
from stack.processes import wait_port

TARGETS = {
    "generate": ("/tracking/generate/", True),
    "naive": ("/bench/naive/", False),
    "ceiling": ("/bench/ceiling/", False),
}


def worker_counts() -> list[int]:
    cores, counts, w = os.cpu_count() or 1, [], 1
    while w < cores:
        counts.append(w)
        w *= 2
    return [*counts, cores]


def sweep(token: str, counts: list[int], *, seconds: int, conns: int) -> list[dict]:
    rows = []
    for workers in counts:
        with gunicorn(workers) as base:
            for name, (path, auth) in TARGETS.items():
                tok = token if auth else None
                wrk(base + path, conns=conns, seconds=1, token=tok, body="")
                r = wrk(base + path, conns=conns, seconds=seconds, token=tok, body="")
                rows.append({"target": name, "workers": workers, **r})
    for row in rows:
        one = next(
            r["rps"]
            for r in rows
            if r["target"] == row["target"] and r["workers"] == counts[0]
        )
        row["efficiency"] = row["rps"] / (one * row["workers"] / counts[0])
    return rows


def restart_cold(token: str, workers: int, *, seconds: int, conns: int) -> dict:
    """Load sent the moment the port opens: that window, then a steady one."""
    server = gunicorn(workers)
    server.start(ready=None)
    try:
        wait_port(server.port, timeout=60, interval=0.005)
        url = server.base + "/tracking/generate/"
        cold = wrk(url, conns=conns, seconds=seconds, token=token, body="")
        warm = wrk(url, conns=conns, seconds=seconds, token=token, body="")
    finally:
        server.stop()
    return {"cold": cold, "steady": warm}


def restart_hup(token: str, workers: int, *, seconds: int, conns: int) -> dict:
    """A graceful reload (SIGHUP: every worker replaced) while load runs."""
    server = gunicorn(workers)
    with server as base:
        url = base + "/tracking/generate/"
        steady = wrk(url, conns=conns, seconds=seconds, token=token, body="")
        timer = threading.Timer(
            seconds / 4, lambda: server.proc.send_signal(signal.SIGHUP)
        )
        timer.start()
        during = wrk(url, conns=conns, seconds=seconds, token=token, body="")
        timer.join()
    return {"steady": steady, "reload": during}


def report(rows: list[dict], cold: dict, hup: dict, alloc: dict, dups: int) -> None:
    print("target    workers    req/s  p50 ms  p99 ms  errors  efficiency  CPU ms/req")
    for r in rows:
        print(
            f"{r['target']:9} {r['workers']:7} {r['rps']:8.0f} {r['p50_ms']:7.2f}"
            f" {r['p99_ms']:7.2f} {r['errors']:7.0f} {r['efficiency']:11.2f}"
            f"  gunicorn {r['cpu_ms_gunicorn']:.3f} postgres {r['cpu_ms_postgres']:.3f}"
        )
    bench = []
    by = {(r["target"], r["workers"]): r for r in rows}
    for (target, workers), r in by.items():
        bench += [
            (f"{target}_w{workers}_rps", r["rps"], "req/s"),
            (f"{target}_w{workers}_p99", r["p99_ms"], "ms"),
        ]
        if target == "generate":
            naive = by[("naive", workers)]
            bench += [
                (f"generate_w{workers}_vs_naive", r["rps"] / naive["rps"], "ratio"),
                (
                    f"generate_w{workers}_vs_ceiling",
                    r["rps"] / by[("ceiling", workers)]["rps"],
                    "ratio",
                ),
                (
                    f"generate_w{workers}_p99_vs_naive",
                    r["p99_ms"] / max(naive["p99_ms"], 0.001),
                    "ratio",
                ),
            ]
    for name, pair, first in (("start", cold, "cold"), ("reload", hup, "reload")):
        steady = pair["steady"]
        bench += [
            (f"restart_{name}_rps", pair[first]["rps"], "req/s"),
            (f"restart_{name}_p99", pair[first]["p99_ms"], "ms"),
            (f"restart_{name}_errors", pair[first]["errors"], "requests"),
            (f"restart_{name}_steady_p99", steady["p99_ms"], "ms"),
            (
                f"restart_{name}_p99_vs_steady",
                pair[first]["p99_ms"] / max(steady["p99_ms"], 0.001),
                "ratio",
            ),
        ]
    for c in (1, 8, 32):
        bench.append(
            (
                f"allocate_c{c}_vs_nextval",
                alloc[f"allocate_c{c}"] / alloc[f"nextval_c{c}"],
                "ratio",
            )
        )
    bench.append(("duplicates", dups, "numbers"))
    publish(
        "scale",
        bench,
        {
            "cores": os.cpu_count(),
            "sweep": rows,
            "restart_start": cold,
            "restart_reload": hup,
            "allocator": alloc,
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", help="comma-separated worker counts")
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--conns", type=int, default=32)
    args = parser.parse_args()
    seconds = args.seconds or (3 if args.quick else 8)
    counts = (
        [int(w) for w in args.workers.split(",")] if args.workers else worker_counts()
    )
    token = setup()
    rows = sweep(token, counts, seconds=seconds, conns=args.conns)
    cold = restart_cold(token, counts[-1], seconds=seconds, conns=args.conns)
    hup = restart_hup(token, counts[-1], seconds=seconds, conns=args.conns)
    alloc = bench_allocator(seconds=1 if args.quick else 5, clients=(1, 8, 32))
    total, distinct = psql(
        "SELECT count(*), count(DISTINCT number) FROM tracking_trackingnumber", DB
    ).split("|")
    report(rows, cold, hup, alloc, int(total) - int(distinct))
    if total != distinct:
        sys.exit("DUPLICATE NUMBERS FOUND")


if __name__ == "__main__":
    main()
