"""Lookups with millions of numbers stored: exact, prefix and reference.

    python -m bench.lookup [--quick]

Loads 10,000,000 numbers (1,000,000 with --quick) through the batch
machinery (COPY, in-process), then times requests inside the server (the
Django handler, database included; no network): the API's detail and list
filters and the portal's search box. Writes EXPLAIN ANALYZE of each lookup
to the results file.
"""

from __future__ import annotations

import argparse
import json
import random
import time

from bench.common import (
    RESULTS,
    bench_line,
    django_setup,
    env,
    fresh_database,
    percentile,
    psql,
)

DB = "bench_lookup"
# Lookups of each kind: 500 (200 with --quick, which must stay under 3 minutes).
ROUNDS, QUICK_ROUNDS = 500, 200


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="keep loaded data")
    args = parser.parse_args()
    n = 1_000_000 if args.quick else 10_000_000
    product = env(DB)
    loaded = (
        args.reuse
        and psql(f"SELECT count(*) FROM pg_database WHERE datname = '{DB}'") == "1"  # noqa: S608
    )
    if not loaded:
        fresh_database(DB, product)
    django_setup(product)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from tracking.models import TrackingNumber
    from tracking.services import api_client_create, batch_create, series_ensure_default

    if not loaded:
        series = series_ensure_default()
        client, _ = api_client_create(name="loader", can_admin_series=True)
        started = time.monotonic()
        for _ in range(n // 1_000_000 or 1):
            batch_create(
                series=series,
                quantity=min(n, 1_000_000),
                reference_prefix="REF-",
                client=client,
            )
        print(f"loaded {n:,} numbers in {time.monotonic() - started:.0f} s")
        psql("VACUUM ANALYZE tracking_trackingnumber", DB)
        get_user_model().objects.create_superuser("bench", "", "bench-password-0")
    # Write out what the load left dirty now, not while lookups are timed.
    psql("CHECKPOINT", DB)
    _, token = api_client_create(name=f"reader-{time.time_ns()}", can_admin_series=True)
    api = Client(HTTP_AUTHORIZATION=f"Token {token}", SERVER_NAME="127.0.0.1")
    portal = Client(SERVER_NAME="127.0.0.1")
    portal.force_login(get_user_model().objects.get(username="bench"))

    rng = random.Random(7)
    last = TrackingNumber.objects.order_by("-id").values_list("id", flat=True)[0]
    picks = list(
        TrackingNumber.objects.filter(
            id__in=[
                rng.randint(1, last)
                for _ in range(QUICK_ROUNDS if args.quick else ROUNDS)
            ]
        ).values_list("number", "reference")
    )

    def messy(number: str) -> str:
        return " " + number[:4].lower() + " " + number[4:].lower() + " "

    cases = {
        "api_exact": lambda num, ref: api.get(f"/tracking/numbers/{num}/"),
        "api_prefix": lambda num, ref: api.get(
            f"/tracking/numbers/?number_prefix={num[:-2]}"
        ),
        "api_reference": lambda num, ref: api.get(
            f"/tracking/numbers/?reference={ref}"
        ),
        "portal_exact": lambda num, ref: portal.get(
            "/admin/tracking/trackingnumber/", {"q": messy(num)}
        ),
        "portal_prefix": lambda num, ref: portal.get(
            "/admin/tracking/trackingnumber/", {"q": num[:-2]}
        ),
        "portal_reference": lambda num, ref: portal.get(
            "/admin/tracking/trackingnumber/", {"q": ref}
        ),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for number, reference in picks[:10]:  # warm caches and code paths
        for call in cases.values():
            call(number, reference)
    for number, reference in picks:
        for name, call in cases.items():
            response = call(number, reference)
            # Server-Timing: the server's own time, without the test client.
            timings[name].append(float(response["Server-Timing"].split("dur=")[1]))
            assert response.status_code == 200, (name, response.status_code)
            # A prefix matches up to 100 numbers; the page may show others.
            if "prefix" not in name:
                assert number.encode() in response.content, name

    number, reference = picks[0]
    plans = {}
    with connection.cursor() as cursor:
        for name, sql, param in [
            (
                "exact",
                "SELECT * FROM tracking_trackingnumber WHERE number = %s",
                number,
            ),
            (
                "prefix",
                "SELECT * FROM tracking_trackingnumber WHERE number LIKE %s "
                "ORDER BY id DESC LIMIT 101",
                number[:-2] + "%",
            ),
            (
                "reference",
                "SELECT * FROM tracking_trackingnumber WHERE reference = %s "
                "ORDER BY id DESC LIMIT 101",
                reference,
            ),
        ]:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, [param])
            plans[name] = [row[0] for row in cursor.fetchall()]

    lines = []
    for name, values in timings.items():
        lines.append(bench_line(f"lookup_{name}_p50", percentile(values, 50), "ms"))
        lines.append(bench_line(f"lookup_{name}_p99", percentile(values, 99), "ms"))
    print(f"lookups with {n:,} numbers stored ({len(picks)} of each, server time)")
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"lookup-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({"rows": n, "lines": lines, "plans": plans}, indent=2))
    print(f"query plans: {path}")


if __name__ == "__main__":
    main()
