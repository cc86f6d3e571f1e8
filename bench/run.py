"""Benchmark the real stack: gunicorn + PostgreSQL, load from wrk.

    python -m bench.run [--quick]

Every figure is a ratio against a baseline measured in the same run, in
alternating rounds (A, B, C, A, B, C, ...), medians of at least 3 rounds,
since these machines are shared and noisy. Servers listen on 127.0.0.1
only; every load is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

from bench.common import (
    PG,
    ROOT,
    cpu_ms_per_request,
    cpu_seconds_by_program,
    psql,
    publish,
)
from stack.web import Gunicorn

DB = "bench_tracking"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
# Production settings refuse a broker in the cache's Redis database.
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")
WRK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{auth}
wrk.body = {body}
"""


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DATABASE_URL": f"{PG}/{DB}",
        "REDIS_URL": REDIS,
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
        "TRACKING_SCRAMBLE_KEY": "bench-scramble-key-0123456789abcdef0123",
        "CONN_MAX_AGE": "600",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
    }


def sh(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def setup() -> str:
    psql(f"DROP DATABASE IF EXISTS {DB}")
    psql(f"CREATE DATABASE {DB}")
    manage = [sys.executable, "manage.py"]
    sh(*manage, "migrate", "--noinput", cwd=ROOT, env=env())
    out = sh(
        *manage, "create_api_client", "bench", "--admin", cwd=ROOT, env=env()
    ).stdout
    return out.strip().splitlines()[-1]


def gunicorn(workers: int) -> Gunicorn:
    """The shipped server configuration (gunicorn.conf.py), sized to
    ``workers``, on a free loopback port, without an access log."""
    return Gunicorn({**env(), "GUNICORN_ACCESS_LOG": ""}, workers=workers)


def wrk(url: str, *, conns: int, seconds: int, token: str | None, body: str) -> dict:
    """One bounded load; also the CPU each request cost gunicorn, PostgreSQL
    and Redis (the machine is saturated, so CPU per request is the cost)."""
    before = cpu_seconds_by_program()
    result = _wrk(url, conns=conns, seconds=seconds, token=token, body=body)
    cpu = cpu_ms_per_request(before, cpu_seconds_by_program(), result["rps"] * seconds)
    result.update({f"cpu_ms_{program}": ms for program, ms in cpu.items()})
    return result


def _wrk(url: str, *, conns: int, seconds: int, token: str | None, body: str) -> dict:
    auth = f'wrk.headers["Authorization"] = "Token {token}"' if token else ""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_LUA.format(auth=auth, body=json.dumps(body)))
    out = sh(
        "wrk",
        "-t",
        str(min(conns, 2)),
        "-c",
        str(conns),
        "-d",
        f"{seconds}s",
        "--latency",
        "-s",
        f.name,
        url,
        timeout=seconds + 60,
    ).stdout
    os.unlink(f.name)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),
        "p99_ms": _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)),
        "errors": _errors(out),
    }


def _ms(v: str) -> float:
    n, unit = re.match(r"([\d.]+)(\w+)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def _errors(out: str) -> int:
    n = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    n += int(m.group(1)) if m else 0
    m = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), "
        r"timeout (\d+)",
        out,
    )
    n += sum(int(x) for x in m.groups()) if m else 0
    return n


def median_of(runs: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def bench_http(base: str, token: str, *, rounds: int, seconds: int) -> dict:
    scenarios = {
        "ceiling": ("/bench/ceiling/", None, ""),
        "naive": ("/bench/naive/", None, ""),
        "calibration": ("/bench/calibration/", token, ""),
        "generate": ("/tracking/generate/", token, ""),
    }
    results: dict = {}
    for conns in (1, 8, 32):
        runs: dict[str, list] = {name: [] for name in scenarios}
        for _ in range(rounds):
            for name, (path, tok, body) in scenarios.items():
                runs[name].append(
                    wrk(base + path, conns=conns, seconds=seconds, token=tok, body=body)
                )
        for name, r in runs.items():
            results[f"{name}_c{conns}"] = median_of(r)
    runs = [
        wrk(
            base + "/tracking/generate/",
            conns=8,
            seconds=seconds,
            token=token,
            body=json.dumps({"count": 1000}),
        )
        for _ in range(rounds)
    ]
    results["generate_count1000_c8"] = median_of(runs)
    return results


def bench_scaleout(token: str, *, rounds: int, seconds: int) -> dict:
    """1, 2 and 3 gunicorn "hosts" (2 workers each) on one PostgreSQL.

    32 connections in all, split over the instances by one wrk per
    instance running at the same time; throughput is their sum.
    """
    out: dict = {}
    hosts = [gunicorn(workers=2) for _ in range(3)]
    bases = [h.start() for h in hosts]
    try:
        for _ in range(rounds):
            for k in (1, 2, 3):
                procs = []
                for base in bases[:k]:
                    auth = f'wrk.headers["Authorization"] = "Token {token}"'
                    with tempfile.NamedTemporaryFile(
                        "w", suffix=".lua", delete=False
                    ) as f:
                        f.write(WRK_LUA.format(auth=auth, body=json.dumps("")))
                    procs.append(
                        subprocess.Popen(
                            [
                                "wrk",
                                "-t",
                                "1",
                                "-c",
                                str(32 // k),
                                "-d",
                                f"{seconds}s",
                                "-s",
                                f.name,
                                base + "/tracking/generate/",
                            ],
                            stdout=subprocess.PIPE,
                            text=True,
                        )
                    )
                total = 0.0
                for proc in procs:
                    text = proc.communicate(timeout=seconds + 60)[0]
                    total += float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1])
                out.setdefault(k, []).append(total)
    finally:
        for h in hosts:
            h.stop()
    return {k: statistics.median(v) for k, v in out.items()}


def bench_allocator(seconds: int, clients: tuple[int, ...] = (1, 8)) -> dict:
    series_id = psql("SELECT id FROM tracking_series WHERE is_default", DB)
    psql("DROP SEQUENCE IF EXISTS bench_seq; CREATE SEQUENCE bench_seq", DB)
    scripts = {
        "allocate": f"SELECT tracking_allocate({series_id}, 1);",
        "nextval": "SELECT nextval('bench_seq');",
    }
    out: dict = {}
    for n in clients:
        runs: dict[str, list] = {k: [] for k in scripts}
        for _ in range(3):
            for name, sql in scripts.items():
                with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
                    f.write(sql)
                res = sh(
                    "pgbench",
                    "-n",
                    "-c",
                    str(n),
                    "-j",
                    str(min(n, 2)),
                    "-T",
                    str(seconds),
                    "-f",
                    f.name,
                    f"{PG}/{DB}",
                )
                os.unlink(f.name)
                runs[name].append(
                    float(re.search(r"tps = ([\d.]+)", res.stdout).group(1))
                )
        for name, r in runs.items():
            out[f"{name}_c{n}"] = statistics.median(r)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    seconds, rounds = (2, 3) if args.quick else (10, 3)
    token = setup()
    with gunicorn(workers=4) as base:
        http = bench_http(base, token, rounds=rounds, seconds=seconds)
    scaleout = bench_scaleout(token, rounds=rounds, seconds=seconds)
    alloc = bench_allocator(seconds=1 if args.quick else 5)
    total, distinct = psql(
        "SELECT count(*), count(DISTINCT number) FROM tracking_trackingnumber", DB
    ).split("|")
    report(http, alloc, scaleout, int(total), int(distinct), quick=args.quick)


def report(
    http: dict, alloc: dict, scaleout: dict, total: int, distinct: int, *, quick: bool
) -> None:
    lines = [
        "                                                         CPU ms per request",
        "scenario                     req/s    p50 ms   p99 ms  errors"
        "  gunicorn postgres redis",
    ]
    for name, r in http.items():
        lines.append(
            f"{name:26} {r['rps']:9.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f}"
            f" {r['errors']:7.0f}  {r['cpu_ms_gunicorn']:8.3f} "
            f"{r['cpu_ms_postgres']:8.3f} {r['cpu_ms_redis-server']:5.3f}"
        )
    bench = []
    for c in (1, 8, 32):
        g, ceil, naive = (
            http[f"generate_c{c}"],
            http[f"ceiling_c{c}"],
            http[f"naive_c{c}"],
        )
        bench += [
            (f"generate_c{c}_rps", g["rps"], "req/s"),
            (f"generate_c{c}_p99", g["p99_ms"], "ms"),
            (f"generate_c{c}_vs_ceiling", g["rps"] / ceil["rps"], "ratio"),
            (f"generate_c{c}_vs_naive", g["rps"] / naive["rps"], "ratio"),
            (f"naive_c{c}_p99", naive["p99_ms"], "ms"),
            (f"ceiling_c{c}_rps", ceil["rps"], "req/s"),
        ]
        calib = http[f"calibration_c{c}"]
        bench += [
            (f"calibration_c{c}_vs_ceiling", calib["rps"] / ceil["rps"], "ratio"),
            (f"calibration_c{c}_vs_naive", calib["rps"] / naive["rps"], "ratio"),
            (f"generate_c{c}_vs_calibration", g["rps"] / calib["rps"], "ratio"),
        ]
        for name, r in (
            ("generate", g),
            ("calibration", calib),
            ("naive", naive),
            ("ceiling", ceil),
        ):
            bench += [
                (f"{name}_c{c}_cpu_{p}", r[f"cpu_ms_{p}"], "ms/req")
                for p in ("gunicorn", "postgres")
            ]
    bench.append(
        (
            "generate_count1000_numbers_per_s",
            http["generate_count1000_c8"]["rps"] * 1000,
            "numbers/s",
        )
    )
    for c in (1, 8):
        bench += [
            (f"allocate_c{c}", alloc[f"allocate_c{c}"], "serials/s"),
            (f"nextval_c{c}", alloc[f"nextval_c{c}"], "serials/s"),
            (
                f"allocate_c{c}_vs_nextval",
                alloc[f"allocate_c{c}"] / alloc[f"nextval_c{c}"],
                "ratio",
            ),
        ]
    for k, rps in scaleout.items():
        bench.append((f"scaleout_{k}_instances_rps", rps, "req/s"))
    bench.append(("duplicates", total - distinct, "numbers"))
    print("\n".join(lines))
    publish(
        "http", bench, {"quick": quick, "http": http, "allocator": alloc, "rows": total}
    )
    if total != distinct:
        sys.exit("DUPLICATE NUMBERS FOUND")


if __name__ == "__main__":
    main()
