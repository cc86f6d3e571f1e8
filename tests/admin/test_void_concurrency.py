"""Voids from the API and the portal at the same time: no deadlock, no 500."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.test import Client

from tracking.models import TrackingNumber
from tracking.services import tracking_number_issue

CHANGELIST = "/admin/tracking/trackingnumber/"


def _in_thread(work, results: list, key: str) -> threading.Thread:
    def run():
        try:
            results.append((key, work()))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["api", "portal"])
def test_overlapping_api_and_portal_voids_never_deadlock(
    first, make_client, staff_user, default_series
):
    client, api = make_client("scanner")
    api.raise_request_exception = False
    numbers = tracking_number_issue(series=default_series, count=400, client=client)
    portal = Client(raise_request_exception=False)
    portal.force_login(staff_user)
    # The portal's changelist lists the newest first; the API goes the
    # other way, so the two meet in the middle of the selection.
    started = threading.Event()

    def api_voids():
        codes = []
        for n in numbers[:60]:
            response = api.post(
                f"/tracking/numbers/{n.number}/void/",
                {"reason": "scanner: damaged"},
                format="json",
            )
            codes.append(response.status_code)
            started.set()
        return codes

    def portal_void():
        started.set()
        response = portal.post(
            CHANGELIST,
            {
                "action": "void_selected",
                "_selected_action": [n.pk for n in numbers],
                "post": "yes",
                "reason": "pallet lost",
            },
        )
        return response.status_code

    results: list = []
    work = {"api": api_voids, "portal": portal_void}
    second = "portal" if first == "api" else "api"
    threads = [_in_thread(work[first], results, first)]
    started.wait(timeout=30)
    threads.append(_in_thread(work[second], results, second))
    for thread in threads:
        thread.join(timeout=120)
    answers = dict(results)
    assert answers["portal"] == 302, answers
    assert set(answers["api"]) <= {200, 409}, answers["api"]
    void = TrackingNumber.objects.filter(status="void")
    by_portal = void.filter(void_reason="pallet lost").count()
    by_api = void.filter(void_reason="scanner: damaged").count()
    # The portal voids what is still voidable and skips what the API
    # voided first: every number voided exactly once.
    assert by_api == answers["api"].count(200)
    assert by_portal + by_api == void.count() == 400
