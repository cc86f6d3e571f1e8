"""Barcodes and labels: time per image, labels per second, peak memory.

    python -m bench.labels [--zpl 100000] [--pdf 10000]

A: ``barcode.png`` and ``barcode.svg`` of one number, 200 requests each
   over one keep-alive connection (median and p95 milliseconds), beside the
   number's JSON detail on the same stack (what any request costs), and the
   drawing alone in this process; B: ``labels.zpl`` of a 100,000-number
   batch and C: ``labels.pdf`` of a 10,000-number batch, each downloaded by
   curl from a fresh one-worker gunicorn; the worker's peak RSS after both.
The issue's targets: images under 20 ms, ZPL at 20,000 labels/s or more,
the PDF in under 60 s, peak RSS under 200 MB.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import subprocess
import sys
import time

from bench.common import (
    ROOT,
    django_setup,
    env,
    fresh_database,
    percentile,
    process_tree,
    publish,
    vm_hwm_mb,
)

DB = "bench_labels"
IMAGE_REQUESTS = 200
IMAGE_WARM_UP = 20  # first requests of a route load its modules


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _download(url: str, token: str) -> tuple[bytes, float]:
    started = time.perf_counter()
    body = subprocess.run(
        [
            *("curl", "-sf", "--max-time", "300"),
            *("-H", f"Authorization: Token {token}", url),
        ],
        check=True,
        capture_output=True,
    ).stdout
    return body, time.perf_counter() - started


def _wait_done(batch, seconds: float = 600):
    """Wait for a batch that the in-process task worker runs (bounded)."""
    deadline = time.monotonic() + seconds
    batch.refresh_from_db()
    while batch.done < batch.quantity:
        assert batch.status not in ("failed", "cancelled"), batch.error
        assert time.monotonic() < deadline, f"batch {batch.pk} not done"
        time.sleep(0.5)
        batch.refresh_from_db()
    return batch


def _image_ms(port: int, path: str, token: str) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}"}
    times = []
    for index in range(IMAGE_WARM_UP + IMAGE_REQUESTS):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
        if index >= IMAGE_WARM_UP:
            times.append(1000 * (time.perf_counter() - started))
    connection.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zpl", type=int, default=100_000)
    parser.add_argument("--pdf", type=int, default=10_000)
    args = parser.parse_args()
    product = env(DB)
    fresh_database(DB, product)
    django_setup(product)
    from tracking.labels.images import barcode_png, barcode_svg
    from tracking.models import Series, TrackingNumber
    from tracking.services import (
        api_client_create,
        batch_create,
        series_save,
        tracking_number_barcode,
    )

    series = series_save(
        series=Series(
            code="pallets",
            name="Pallets, dock 4",
            scheme=Series.Scheme.SSCC18,
            extension_digit=3,
            company_prefix="7613032",
        )
    )
    client, token = api_client_create(name="bench", can_admin_series=True)
    # No broker in this environment: the batches run in-process.
    zpl_batch, pdf_batch = (
        _wait_done(
            batch_create(
                series=series, quantity=quantity, reference_prefix="PO-", client=client
            )
        )
        for quantity in (args.zpl, args.pdf)
    )
    number = TrackingNumber.objects.filter(batch=pdf_batch).first()
    barcode = tracking_number_barcode(number=number)
    drawing_ms = {}
    for kind, draw in (("png", barcode_png), ("svg", barcode_svg)):
        times = []
        for _ in range(IMAGE_REQUESTS):
            started = time.perf_counter()
            draw(barcode, scale=2, height=50, text=True)
            times.append(1000 * (time.perf_counter() - started))
        drawing_ms[kind] = statistics.median(times)

    port = _free_port()
    gunicorn = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "600"),
        ],
        cwd=ROOT,
        env=product,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(
            ["curl", "-sf", f"{base}/healthz"], capture_output=True
        ).returncode:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        image_ms = {
            kind: _image_ms(port, f"/tracking/numbers/{number.number}/{path}", token)
            for kind, path in (
                ("png", "barcode.png"),
                ("svg", "barcode.svg"),
                ("json_detail", ""),
            )
        }
        zpl, zpl_seconds = _download(
            f"{base}/tracking/batches/{zpl_batch.pk}/labels.zpl", token
        )
        assert zpl.count(b"^XA") == args.zpl
        pdf, pdf_seconds = _download(
            f"{base}/tracking/batches/{pdf_batch.pk}/labels.pdf", token
        )
        assert pdf.endswith(b"%%EOF\n")
        worker_rss = max(vm_hwm_mb(p) for p in process_tree(gunicorn.pid)[1:])
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    bench = [
        *(
            (f"labels_{kind}_http_{stat}_ms", value, "ms")
            for kind, times in image_ms.items()
            for stat, value in (
                ("median", statistics.median(times)),
                ("p95", percentile(times, 95)),
            )
        ),
        *(
            (f"labels_barcode_{kind}_drawing_ms", value, "ms")
            for kind, value in drawing_ms.items()
        ),
        ("labels_zpl_labels_per_s", args.zpl / zpl_seconds, "labels/s"),
        ("labels_zpl_seconds", zpl_seconds, "s"),
        ("labels_pdf_seconds", pdf_seconds, "s"),
        ("labels_pdf_labels_per_s", args.pdf / pdf_seconds, "labels/s"),
        ("labels_pdf_mb", len(pdf) / 1e6, "MB"),
        ("labels_gunicorn_worker_peak_rss", worker_rss, "MB"),
    ]
    print(f"labels: {args.zpl:,} ZPL and {args.pdf:,} PDF labels, one worker")
    publish("labels", bench, {"zpl": args.zpl, "pdf": args.pdf})


if __name__ == "__main__":
    main()
