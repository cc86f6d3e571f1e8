"""Admin actions that change things ask first; downloads need export rights."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.helpers.child import run_python
from tracking.allocation import series_next_serial
from tracking.models import Batch, Series
from tracking.services import batch_create, tracking_number_issue

CONFIRM = "admin/tracking/confirm.html"


def _user_with(django_user_model, *codenames: str):
    user = django_user_model.objects.create_user(
        "limited", password="pw-limited-1", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_cancelling_batches_asks_first(client, operator_user, default_series):
    batch = batch_create(series=default_series, quantity=10)
    client.force_login(operator_user)
    changelist = reverse("admin:tracking_batch_changelist")
    action = {"action": "cancel_selected", "_selected_action": [batch.pk]}

    asked = client.post(changelist, action)

    assert asked.templates[0].name == CONFIRM
    assert Batch.objects.get(pk=batch.pk).status == "pending"
    client.post(changelist, {**action, "post": "yes"})
    assert Batch.objects.get(pk=batch.pk).status == "cancelled"


def test_reserving_a_range_for_import_asks_first(client, admin_user, s10_series):
    client.force_login(admin_user)
    changelist = reverse("admin:tracking_series_changelist")
    action = {"action": "reserve_for_import", "_selected_action": [s10_series.pk]}
    before = series_next_serial(s10_series)

    asked = client.post(changelist, action)

    assert asked.templates[0].name == CONFIRM
    assert series_next_serial(Series.objects.get(pk=s10_series.pk)) == before
    client.post(changelist, {**action, "post": "yes"})
    reserved = Series.objects.get(pk=s10_series.pk)
    assert series_next_serial(reserved) == reserved.end + 1


def test_a_batch_csv_needs_the_export_right(client, django_user_model, default_series):
    batch = batch_create(series=default_series, quantity=3)
    url = reverse("admin:tracking_batch_download_csv", args=[batch.pk])
    viewer = _user_with(django_user_model, "view_batch", "view_trackingnumber")
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    viewer.user_permissions.add(
        Permission.objects.get(codename="export_trackingnumber")
    )
    viewer = django_user_model.objects.get(pk=viewer.pk)
    client.force_login(viewer)
    assert client.get(url).status_code == 200


def test_the_issue_forms_csv_needs_the_export_right(
    client, django_user_model, default_series
):
    numbers = tracking_number_issue(series=default_series, count=2)
    url = (
        reverse("admin:tracking_trackingnumber_issue_csv")
        + f"?series={default_series.pk}&first={numbers[0].serial}&count=2"
    )
    client.force_login(_user_with(django_user_model, "view_trackingnumber"))
    assert client.get(url).status_code == 403


def test_running_or_toggling_periodic_tasks_needs_the_change_right(
    client, django_user_model, db
):
    every = IntervalSchedule.objects.create(every=1, period="days")
    task = PeriodicTask.objects.create(
        name="nightly", task="tracking.tasks.batch_reconcile", interval=every
    )
    client.force_login(_user_with(django_user_model, "view_periodictask"))
    changelist = reverse("admin:django_celery_beat_periodictask_changelist")

    page = client.get(changelist)
    client.post(changelist, {"action": "disable_tasks", "_selected_action": [task.pk]})

    form = page.context["action_form"]  # None when no action is offered
    offered = {name for name, _ in form.fields["action"].choices} if form else set()
    assert not offered & {"run_tasks", "enable_tasks", "disable_tasks", "toggle_tasks"}
    assert PeriodicTask.objects.get(pk=task.pk).enabled is True


_CLIENT_IP = """
import sys
import django
django.setup()
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
request = RequestFactory().post(
    "/", HTTP_X_FORWARDED_FOR=sys.argv[1], REMOTE_ADDR="10.0.0.2"
)
print(get_client_ip_address(request))
"""
_HEADER = {"DJANGO_CLIENT_IP_HEADER": "X-Forwarded-For"}


@pytest.mark.parametrize(
    ("env", "forwarded", "seen"),
    [
        # No header configured: the peer's address, whatever the request says.
        ({}, "203.0.113.9", "10.0.0.2"),
        # One balancer appends the client's address.
        (_HEADER, "203.0.113.9", "203.0.113.9"),
        # Two proxies: the client's address, then the first proxy's.
        (
            _HEADER | {"DJANGO_TRUSTED_PROXIES": "2"},
            "198.51.100.1, 10.1.0.1",
            "198.51.100.1",
        ),
        # An entry the client wrote itself makes the chain too long: it is not
        # believed, and the request counts as the proxy's (django-ipware, strict).
        (_HEADER, "198.51.100.66, 203.0.113.9", "10.0.0.2"),
    ],
)
def test_the_lockouts_client_address_follows_the_environment(env, forwarded, seen):
    child_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    for name in ("DJANGO_CLIENT_IP_HEADER", "DJANGO_TRUSTED_PROXIES"):
        child_env.pop(name, None)
    answer = run_python(
        "-c", _CLIENT_IP, forwarded, env={**child_env, **env}, timeout=60
    )

    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == seen


@override_settings(
    AXES_ENABLED=True,
    AXES_FAILURE_LIMIT=3,
    AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
    AXES_IPWARE_PROXY_COUNT=0,
)
def test_behind_a_proxy_one_clients_failures_lock_out_only_that_client(
    client, django_user_model
):
    from django.conf import settings

    django_user_model.objects.create_user(
        "ops", password="right-password-1", is_staff=True
    )
    url = "/" + settings.ADMIN_URL + "login/"
    # Every request comes from the balancer (REMOTE_ADDR 127.0.0.1), which
    # appends the client's address.
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    colleague = {"HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    for _ in range(3):
        client.post(url, {"username": "ops", "password": "wrong"}, **attacker)
    locked = client.post(
        url, {"username": "ops", "password": "right-password-1"}, **attacker
    )
    allowed = client.post(
        url, {"username": "ops", "password": "right-password-1"}, **colleague
    )

    assert locked.status_code in {403, 429}
    assert allowed.status_code == 302
