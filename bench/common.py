"""What every benchmark shares: its own database, settings, process memory."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def env(db: str, redis_url: str = "", settings: str = "config.settings.local") -> dict:
    """Environment of a product process on database ``db``: DEBUG off."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DJANGO_DEBUG": "False",
        "DATABASE_URL": f"{PG}/{db}",
        "CELERY_BROKER_URL": redis_url,
        "REDIS_URL": redis_url,
        "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
        "TRACKING_SCRAMBLE_KEY": "bench-scramble-key-0123456789abcdef0123",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "CONN_MAX_AGE": "600",
        "PYTHONPATH": str(ROOT),
    }


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(
        ["psql", f"{PG}/{db}", "-qtAc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def product_run(
    args: list[str], product_env: dict, **kw
) -> subprocess.CompletedProcess:
    """Run a product command (manage.py, a Django child) from the repo root."""
    return subprocess.run(
        args, cwd=ROOT, env=product_env, check=True, capture_output=True, **kw
    )


def fresh_database(db: str, product_env: dict) -> None:
    psql(f"DROP DATABASE IF EXISTS {db}")
    psql(f"CREATE DATABASE {db}")
    product_run([sys.executable, "manage.py", "migrate", "--noinput"], product_env)


def django_setup(product_env: dict) -> None:
    """Configure Django in this process for ``product_env``'s database."""
    os.environ.update(product_env)
    import django

    django.setup()


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            pids.extend(process_tree(int(child)))
    return pids


def cpu_seconds_by_program() -> dict[str, float]:
    """CPU seconds used so far by every live process: gunicorn, postgres, ...

    The difference of two readings around a load, divided by the requests
    served, is the CPU each request cost in each program: on a saturated
    machine, where the time goes.
    """
    tick = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        program = "gunicorn" if b"gunicorn" in cmdline else comm.split()[0]
        if program.startswith("postgres"):
            program = "postgres"
        totals[f"{entry.name}:{program}"] = seconds
    return totals


def cpu_ms_per_request(
    before: dict[str, float], after: dict[str, float], requests: float
) -> dict[str, float]:
    """Per program, the CPU milliseconds per request between two readings."""
    used: dict[str, float] = {}
    for key, seconds in after.items():
        program = key.split(":", 1)[1]
        used[program] = used.get(program, 0.0) + seconds - before.get(key, 0.0)
    wanted = ("gunicorn", "postgres", "redis-server")
    return {p: 1000 * used.get(p, 0.0) / max(requests, 1) for p in wanted}


def vm_hwm_mb(pid: int) -> float:
    """Peak resident memory of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def alternate(rounds: int, **runs) -> dict[str, float]:
    """Run each callable once per round, in turn; median seconds of each."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, fn in runs.items():
            seconds[name].append(timed(fn))
    return {name: statistics.median(values) for name, values in seconds.items()}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def publish(kind: str, bench: list[tuple[str, float, str]], raw: dict) -> None:
    """Print the BENCH lines; keep every figure in bench/results/KIND-*.json."""
    print()
    for name, value, unit in bench:
        print(f"BENCH {name} {value:.3f} {unit}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{kind}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({**raw, "bench": bench}, indent=2))
    print(f"raw results: {path}")


def bench_line(name: str, value: float, unit: str) -> str:
    return f"BENCH {name} {value:.3f} {unit}"
