"""The load: client threads issuing numbers, each op under its own key.

Every attempt is logged as a JSON line; retries reuse the op's
Idempotency-Key, and a few acknowledged ops are replayed to check that the
same numbers come back.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

IN_PROGRESS_HINT = "still being processed"


@dataclass
class Op:
    key: str
    count: int | None  # None: no body, one number
    attempts: int = 0
    outcome: str = "pending"  # ok / failed / timeout
    numbers: list[str] | None = None
    started: float = 0.0
    finished: float = 0.0


@dataclass
class Results:
    ops: list[Op] = field(default_factory=list)
    attempt_latencies_ok: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    bad_responses: list[dict] = field(default_factory=list)
    error_bodies: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    attempts_timeout: int = 0
    attempts_conn_failed: int = 0
    replays: int = 0
    replay_mismatches: list[dict] = field(default_factory=list)
    faults: dict[str, int] = field(default_factory=dict)
    fault_errors: list[str] = field(default_factory=list)


class Load:
    """Client threads issuing numbers, each op under its own Idempotency-Key."""

    def __init__(
        self,
        *,
        port: int,
        token: str,
        clients: int,
        duration: float,
        max_requests: int,
        log_path: Path,
        t0: float,
        seed: int,
        request_timeout: float = 5.0,
    ) -> None:
        self.port = port
        self.token = token
        self.clients = clients
        self.duration = duration
        self.max_requests = max_requests
        self.request_timeout = request_timeout
        self.t0 = t0
        self.results = Results()
        self.lock = threading.Lock()
        self.log = open(log_path, "a")  # noqa: SIM115 - closed in close()
        self.stop = threading.Event()
        self.seed = seed
        self.threads: list[threading.Thread] = []

    def write(self, record: dict) -> None:
        line = json.dumps(record, separators=(",", ":"))
        with self.lock:
            self.log.write(line + "\n")

    def close(self) -> None:
        with self.lock:
            self.log.close()

    def _post(self, op: Op) -> tuple[str, int | None, dict | None, str, float]:
        """One attempt: (outcome, status, body, error, latency in s)."""
        body = b"" if op.count is None else json.dumps({"count": op.count}).encode()
        headers = {
            "Authorization": f"Token {self.token}",
            "Idempotency-Key": op.key,
            "Connection": "close",
        }
        if body:
            headers["Content-Type"] = "application/json"
        start = time.monotonic()
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=self.request_timeout
        )
        try:
            conn.request("POST", "/tracking/generate/", body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            status = response.status
        except TimeoutError:
            return "timeout", None, None, "client timeout", time.monotonic() - start
        except (OSError, http.client.HTTPException) as e:
            return "failed", None, None, type(e).__name__, time.monotonic() - start
        finally:
            conn.close()
        latency = time.monotonic() - start
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return ("ok" if status == 201 else "failed"), status, parsed, "", latency

    @staticmethod
    def _numbers(body: dict) -> list[str]:
        if "results" in body:
            return [n["tracking_number"] for n in body["results"]]
        return [body["tracking_number"]]

    def _attempt(self, op: Op, kind: str) -> tuple[str, int | None, dict | None]:
        outcome, status, body, error, latency = self._post(op)
        numbers = None
        if outcome == "ok":
            try:
                numbers = self._numbers(body or {})
            except (KeyError, TypeError):
                outcome, error = "failed", "201 without numbers"
        r = self.results
        with self.lock:
            r.attempts += 1
            key = str(status) if status is not None else outcome
            r.statuses[key] = r.statuses.get(key, 0) + 1
            if outcome == "timeout":
                r.attempts_timeout += 1
            elif status is None:
                r.attempts_conn_failed += 1
            if outcome == "ok":
                r.attempt_latencies_ok.append(latency)
            elif status is not None:
                detail = body.get("detail") if isinstance(body, dict) else None
                r.error_bodies[f"{status} {detail}"] = (
                    r.error_bodies.get(f"{status} {detail}", 0) + 1
                )
                expected = (status == 503 and isinstance(detail, str) and detail) or (
                    status == 409 and IN_PROGRESS_HINT in str(detail)
                )
                if not expected and len(r.bad_responses) < 50:
                    r.bad_responses.append(
                        {"key": op.key, "status": status, "body": body}
                    )
                elif not expected:
                    r.bad_responses.append({"status": status})
        self.write(
            {
                "time": round(time.time(), 4),
                "t": round(time.monotonic() - self.t0, 4),
                "key": op.key,
                "attempt": op.attempts,
                "kind": kind,
                "count": op.count,
                "outcome": outcome,
                "status": status,
                "error": error or None,
                "detail": body.get("detail") if isinstance(body, dict) else None,
                "numbers": numbers,
                "latency_ms": round(latency * 1000, 2),
            }
        )
        return outcome, status, numbers

    def _budget_left(self) -> bool:
        with self.lock:
            return self.results.attempts < self.max_requests

    def _client(self, index: int) -> None:
        rnd = random.Random(self.seed * 1000 + index)
        deadline = self.t0 + self.duration
        while not self.stop.is_set() and time.monotonic() < deadline:
            if not self._budget_left():
                return
            count = None if rnd.random() < 0.6 else rnd.randint(1, 100)
            op = Op(key=f"chaos-{uuid.uuid4().hex}", count=count)
            op.started = time.monotonic()
            with self.lock:
                self.results.ops.append(op)
            self._run_op(op, rnd)

    def _run_op(self, op: Op, rnd: random.Random) -> None:
        """Attempt until acknowledged; retries reuse the key. Bounded."""
        op_deadline = op.started + 45
        backoff = 0.1
        for _ in range(12):
            op.attempts += 1
            outcome, _status, numbers = self._attempt(
                op, "first" if op.attempts == 1 else "retry"
            )
            op.outcome = outcome
            if outcome == "ok":
                op.numbers = numbers
                break
            if time.monotonic() > op_deadline or self.stop.is_set():
                break
            time.sleep(backoff * (0.5 + rnd.random()))
            backoff = min(backoff * 2, 2.0)
        op.finished = time.monotonic()
        # A duplicate delivery of an acknowledged request: same numbers back.
        if op.outcome == "ok" and rnd.random() < 0.05:
            op.attempts += 1
            outcome, _status, numbers = self._attempt(op, "replay")
            if outcome == "ok":
                with self.lock:
                    self.results.replays += 1
                    if numbers != op.numbers:
                        self.results.replay_mismatches.append(
                            {"key": op.key, "first": op.numbers, "replay": numbers}
                        )

    def start(self) -> None:
        for i in range(self.clients):
            thread = threading.Thread(target=self._client, args=(i,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        self.stop.set()
        for thread in self.threads:
            thread.join(5)
