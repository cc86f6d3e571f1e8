"""``python -m scripts.chaos [--short]``: see scripts/chaos/__init__.py."""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import sys
import time
from pathlib import Path

from scripts import chaos
from scripts.chaos.checks import check, print_summary, wait_batch
from scripts.chaos.faults import Faults, fault_schedule
from scripts.chaos.load import Load
from scripts.chaos.rig import ChaosStack, say
from stack.processes import ROOT


def post_batch(port: int, token: str, quantity: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            "/tracking/batches/",
            body=json.dumps({"quantity": quantity, "reference_prefix": "CHAOS-"}),
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
            },
        )
        response = conn.getresponse()
        body = json.loads(response.read())
    finally:
        conn.close()
    if response.status != 202:
        raise RuntimeError(f"batch not created: {response.status} {body}")
    return body


def run(args: argparse.Namespace) -> int:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results_dir = Path(args.results_dir) / f"{stamp}{'-short' if args.short else ''}"
    results_dir.mkdir(parents=True, exist_ok=True)
    say(f"results in {results_dir}")
    stack = ChaosStack(results_dir, web_workers=args.web_workers)
    load: Load | None = None
    faults: Faults | None = None
    try:
        token = stack.start()
        batch = post_batch(stack.web_port, token, args.batch_size)
        say(f"batch {batch['id']} of {args.batch_size} created; load and faults start")
        t0 = time.monotonic()
        load = Load(
            port=stack.web_port,
            token=token,
            clients=args.clients,
            duration=args.duration,
            max_requests=args.max_requests,
            log_path=results_dir / "operations.jsonl",
            t0=t0,
            seed=args.seed,
        )
        faults = Faults(
            stack=stack,
            load=load,
            schedule=fault_schedule(args.duration, short=args.short),
            t0=t0,
        )
        load.start()
        faults.start()
        load.join(args.duration + 60)
        faults.join(max(0.0, t0 + args.duration - time.monotonic()) + 5)
        say(f"load done in {time.monotonic() - t0:.1f} s; waiting for the batch")
        waited = wait_batch(stack, batch["id"], args.batch_timeout)
        metrics = check(stack, load, batch, waited)
        metrics["duration_s"] = args.duration
        metrics["clients"] = args.clients
        (results_dir / "summary.json").write_text(json.dumps(metrics, indent=2))
        print_summary(metrics)
        return 0 if metrics["result"] == "PASS" else 1
    finally:
        if load is not None:
            load.stop.set()
        if faults is not None:
            faults.stop.set()
        stack.stop()
        if load is not None:
            load.close()
        say("stack stopped, temporary cluster removed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=chaos.__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI form")
    parser.add_argument("--duration", type=float, help="seconds of load (60)")
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--clients", type=int, help="concurrent clients (32)")
    parser.add_argument("--batch-size", type=int, help="the batch (200,000)")
    parser.add_argument("--batch-timeout", type=float, help="seconds to finish it")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--results-dir", default=str(ROOT / "chaos-results"))
    args = parser.parse_args(argv)
    short = args.short
    args.duration = args.duration or (15.0 if short else 60.0)
    args.clients = args.clients or (8 if short else 32)
    args.batch_size = args.batch_size or (50_000 if short else 200_000)
    args.batch_timeout = args.batch_timeout or (90.0 if short else 240.0)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        return run(args)
    except KeyboardInterrupt:
        say("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
