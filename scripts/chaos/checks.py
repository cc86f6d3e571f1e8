"""What the run must show: nothing duplicated or lost, the batch whole,
every error a clear 503 (or 409 while in progress), every fault run."""

from __future__ import annotations

import contextlib
import io
import sys
import time

from bench.common import percentile
from scripts.chaos.faults import FAULTS, STALL_SECONDS, series_stalled
from scripts.chaos.load import Load
from scripts.chaos.rig import ChaosStack


def wait_batch(stack: ChaosStack, batch_id: int, timeout: float) -> float:
    start = time.monotonic()
    deadline = start + timeout
    while time.monotonic() < deadline:
        try:
            with contextlib.closing(stack.pg.connect()) as conn:
                cur = conn.cursor()
                cur.execute(
                    "SELECT status FROM tracking_batch WHERE id = %s", [batch_id]
                )
                if cur.fetchone()[0] in ("done", "failed", "cancelled"):
                    break
        except Exception:  # noqa: S110 - the database may be restarting
            pass
        time.sleep(1)
    return time.monotonic() - start


def check(stack: ChaosStack, load: Load, batch: dict, batch_wait: float) -> dict:
    r = load.results
    ops = r.ops
    acked = [op for op in ops if op.outcome == "ok"]
    seen: dict[str, str] = {}
    duplicated = 0
    for op in acked:
        for number in op.numbers or []:
            if seen.setdefault(number, op.key) != op.key:
                duplicated += 1
    ack_numbers = list(seen)
    m: dict[str, object] = {
        "attempted": len(ops),
        "acknowledged": len(acked),
        "failed": sum(op.outcome == "failed" for op in ops),
        "timed_out": sum(op.outcome == "timeout" for op in ops),
        "numbers_acknowledged": len(ack_numbers) + duplicated,
        "duplicated": duplicated,
        "requests": r.attempts,
        "retried_ops": sum(op.attempts > 1 for op in ops),
        "recovered_by_retry": sum(op.attempts > 1 and op.outcome == "ok" for op in ops),
        "attempts_timed_out": r.attempts_timeout,
        "attempts_conn_failed": r.attempts_conn_failed,
        "http_201": r.statuses.get("201", 0),
        "http_503": r.statuses.get("503", 0),
        "http_409_in_progress": r.statuses.get("409", 0),
        "http_500": sum(
            v for k, v in r.statuses.items() if k.startswith("50") and k != "503"
        ),
        "bad_responses": len(r.bad_responses),
        "replay_probes": r.replays,
        "replay_mismatches": len(r.replay_mismatches),
        "p50_ms": round(percentile(r.attempt_latencies_ok, 50) * 1000, 1),
        "p99_ms": round(percentile(r.attempt_latencies_ok, 99) * 1000, 1),
        "max_ms": round(max(r.attempt_latencies_ok, default=0) * 1000, 1),
        "op_p99_ms": round(
            percentile([op.finished - op.started for op in acked], 99) * 1000, 1
        ),
    }
    for name in FAULTS:
        m[f"fault_{name}"] = r.faults.get(name, 0)
    m["fault_errors"] = len(r.fault_errors)
    m["celery_worker_restarts"] = len(stack.worker_restarts)
    stalled = series_stalled(stack)
    m["series_stalled"] = len(stalled)
    with contextlib.closing(stack.pg.connect()) as conn:
        cur = conn.cursor()
        cur.execute(
            "SELECT count(*), count(DISTINCT number), "
            "count(DISTINCT (series_id, serial)) FROM tracking_trackingnumber"
        )
        rows, distinct_numbers, distinct_serials = cur.fetchone()
        m["db_rows"] = rows
        m["db_duplicates"] = (rows - distinct_numbers) + (rows - distinct_serials)
        cur.execute("CREATE TEMP TABLE ack (number text PRIMARY KEY)")
        buf = "\n".join(ack_numbers) + "\n" if ack_numbers else ""
        cur.copy_expert("COPY ack FROM STDIN", io.StringIO(buf))
        cur.execute(
            "SELECT count(*) FROM ack a WHERE NOT EXISTS "
            "(SELECT 1 FROM tracking_trackingnumber t WHERE t.number = a.number)"
        )
        m["lost"] = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM tracking_trackingnumber t WHERE batch_id IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM ack a WHERE a.number = t.number)"
        )
        m["stored_unacknowledged"] = cur.fetchone()[0]
        cur.execute(
            "SELECT status, quantity, done, first_serial, "
            "extract(epoch FROM finished_at - created_at) FROM tracking_batch "
            "WHERE id = %s",
            [batch["id"]],
        )
        status, quantity, done, first, seconds = cur.fetchone()
        cur.execute(
            "SELECT count(*), count(DISTINCT number), count(DISTINCT serial), "
            "min(serial), max(serial) FROM tracking_trackingnumber WHERE batch_id = %s",
            [batch["id"]],
        )
        b_rows, b_numbers, b_serials, b_min, b_max = cur.fetchone()
    m.update(
        batch_quantity=quantity,
        batch_status=status,
        batch_done=done,
        batch_rows=b_rows,
        batch_distinct=b_numbers,
        batch_block_filled=(
            b_rows == quantity == b_serials
            and b_min == first
            and b_max == first + quantity - 1
        ),
        batch_seconds=round(float(seconds), 1) if seconds is not None else None,
        batch_wait_after_load_s=round(batch_wait, 1),
    )
    failures = []
    if duplicated:
        failures.append(f"{duplicated} acknowledged numbers were returned twice")
    if m["db_duplicates"]:
        failures.append(
            f"{m['db_duplicates']} duplicate numbers/serials in the database"
        )
    if m["lost"]:
        failures.append(f"{m['lost']} acknowledged numbers are not in the database")
    if r.replay_mismatches:
        failures.append(f"retries returned other numbers: {r.replay_mismatches[:3]}")
    if r.bad_responses:
        failures.append(f"responses other than 201/503/409: {r.bad_responses[:5]}")
    if not acked:
        failures.append("nothing was acknowledged")
    if not (status == "done" and done == quantity and m["batch_block_filled"]):
        failures.append(
            f"batch {batch['id']} is {status} with {b_rows} rows of {quantity} "
            f"(distinct {b_numbers}, serials {b_min}..{b_max}, block from {first})"
        )
    if stalled:
        failures.append(
            f"series stalled (no block reserved within {STALL_SECONDS} s): {stalled}"
        )
    for name in FAULTS:
        if not m[f"fault_{name}"]:
            failures.append(f"fault {name} never ran")
    failures += [f"fault failed: {e}" for e in r.fault_errors]
    m["result"] = "FAIL" if failures else "PASS"
    m["failures"] = failures
    return m


def print_summary(m: dict) -> None:
    rows = [
        ("operations attempted", m["attempted"]),
        ("acknowledged", m["acknowledged"]),
        ("failed (gave up)", m["failed"]),
        ("timed out (indeterminate)", m["timed_out"]),
        ("HTTP requests (incl. retries)", m["requests"]),
        (
            "ops retried / recovered by retry",
            f"{m['retried_ops']} / {m['recovered_by_retry']}",
        ),
        ("numbers acknowledged", m["numbers_acknowledged"]),
        ("duplicated", m["duplicated"]),
        ("lost", m["lost"]),
        ("stored, never acknowledged", m["stored_unacknowledged"]),
        ("db rows / db duplicates", f"{m['db_rows']} / {m['db_duplicates']}"),
        (
            "replay probes / mismatches",
            f"{m['replay_probes']} / {m['replay_mismatches']}",
        ),
        (
            "503 / 409 in progress / 500",
            f"{m['http_503']} / {m['http_409_in_progress']} / {m['http_500']}",
        ),
        (
            "attempts timed out / conn failed",
            f"{m['attempts_timed_out']} / {m['attempts_conn_failed']}",
        ),
        (
            "latency p50 / p99 / max (ms)",
            f"{m['p50_ms']} / {m['p99_ms']} / {m['max_ms']}",
        ),
        ("op p99 incl. retries (ms)", m["op_p99_ms"]),
        (
            "faults: worker kills / pg restarts / redis restarts / db drops",
            f"{m['fault_kill_web_worker']} / {m['fault_restart_postgres']} / "
            f"{m['fault_restart_redis']} / {m['fault_drop_db_connections']}",
        ),
        (
            "allocator cancels / series stalled after",
            f"{m['fault_cancel_allocator_calls']} / {m['series_stalled']}",
        ),
        (
            "batch",
            f"{m['batch_status']} {m['batch_rows']}/{m['batch_quantity']} rows, "
            f"{m['batch_distinct']} distinct, block filled: {m['batch_block_filled']}, "
            f"{m['batch_seconds']} s",
        ),
        ("celery worker exits (restarted)", m["celery_worker_restarts"]),
        ("result", m["result"]),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")
    for failure in m["failures"]:
        print(f"  FAILURE: {failure}")
    print()
    for name, value in m.items():
        if name != "failures":
            print(f"CHAOS {name} {value}")
    sys.stdout.flush()
