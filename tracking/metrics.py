"""Prometheus metrics, scraped from ``/metrics`` on the web port.

Two kinds. Counters and histograms that a process updates as it works
(responses by status, allocator calls, throttle fail-open events); under
gunicorn every worker writes them to PROMETHEUS_MULTIPROC_DIR
(gunicorn.conf.py sets it) and a scrape sums them. And the state of the
service, read from the database and the broker at scrape time, so it is
the same whichever process answers and includes the Celery workers' work:
serials handed out and left per series, batches, queue depth.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.db.models import Count, F, Min, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

HTTP_RESPONSES = Counter(
    "tracking_http_responses", "HTTP responses by status code.", ["status"]
)
ALLOCATOR_SECONDS = Histogram(
    "tracking_allocator_call_seconds",
    "Time of one allocator call (one block of serials).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
THROTTLE_FAIL_OPEN = Counter(
    "tracking_throttle_fail_open",
    "Requests let through unlimited because the rate-limit store failed.",
)


class _StateCollector:
    """Gauges read from the database and the broker at each scrape."""

    def collect(self):
        from tracking.allocation import series_next_serials
        from tracking.health import check_broker
        from tracking.models import Batch, Series
        from tracking.redis_pool import redis_client

        series = list(Series.objects.order_by("code"))
        next_serials = series_next_serials(series)
        issued = CounterMetricFamily(
            "tracking_numbers_issued",
            "Serials the allocator handed out per series (issued numbers, "
            "plus the gaps rolled-back requests leave).",
            labels=["series"],
        )
        remaining = GaugeMetricFamily(
            "tracking_series_remaining",
            "Serials left in the series' range.",
            labels=["series"],
        )
        for s in series:
            issued.add_metric([s.code], next_serials[s.pk] - s.start)
            remaining.add_metric([s.code], s.end + 1 - next_serials[s.pk])
        yield issued
        yield remaining

        active = Batch.objects.filter(
            status__in=[Batch.Status.PENDING, Batch.Status.RUNNING]
        )
        by_status = dict(
            active.values_list("status").annotate(n=Count("id")).order_by()
        )
        batches = GaugeMetricFamily(
            "tracking_batches", "Batches pending or running.", labels=["status"]
        )
        for status in (Batch.Status.PENDING, Batch.Status.RUNNING):
            batches.add_metric([status], by_status.get(status, 0))
        yield batches
        totals = active.aggregate(
            left=Coalesce(Sum(F("quantity") - F("done")), 0),
            # When the least recently moved active batch last made progress
            # (or was created): a stuck runner shows as a growing lag.
            moved=Min(Coalesce("heartbeat_at", "created_at")),
        )
        yield GaugeMetricFamily(
            "tracking_batch_numbers_left",
            "Numbers still to write in pending and running batches.",
            value=totals["left"],
        )
        moved = totals["moved"]
        yield GaugeMetricFamily(
            "tracking_batch_lag_seconds",
            "Seconds since the least recently progressing active batch moved.",
            value=(timezone.now() - moved).total_seconds() if moved else 0.0,
        )

        broker = check_broker()
        if broker is None:  # tasks run in-process
            return
        yield GaugeMetricFamily(
            "tracking_broker_up", "1 when the broker answers.", value=broker == "ok"
        )
        depth = GaugeMetricFamily(
            "tracking_queue_depth", "Task messages waiting.", labels=["queue"]
        )
        if broker == "ok" and settings.CELERY_BROKER_URL.startswith("redis"):
            # Celery's default queue is a Redis list of that name.
            queue = settings.CELERY_TASK_DEFAULT_QUEUE
            depth.add_metric(
                [queue], redis_client(settings.CELERY_BROKER_URL).llen(queue)
            )
        yield depth


_state = CollectorRegistry(auto_describe=False)
_state.register(_StateCollector())


def metrics_text() -> bytes:
    """The exposition text: this process' or every gunicorn worker's metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_state)
