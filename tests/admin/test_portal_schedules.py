"""Schedules in the portal: recurring batches and pool rules, in staff terms."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from tracking.exceptions import ValidationFailed
from tracking.messages import POOL_MINIMUM_INVALID, QUANTITY_RANGE
from tracking.models import Schedule, ScheduleRun
from tracking.services import (
    BATCH_QUANTITY_MAX,
    batch_create,
    periodic_tasks_sync,
    pool_rule_save,
    schedule_batch_save,
)

ADD = reverse("admin:tracking_schedule_add")
LIST = reverse("admin:tracking_schedule_changelist")


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


def _form(**values):
    return {
        "name": "nightly-default",
        "kind": "batch",
        "series": "default",
        "quantity": "500",
        "minimum": "",
        "cron": "0 2 * * *",
        "every_minutes": "",
        "enabled": "on",
        **values,
    }


def test_an_administrator_creates_a_recurring_batch_in_operations_terms(admin):
    page = admin.get(ADD).content.decode()
    # No django-celery-beat vocabulary: no task names, no JSON kwargs.
    assert "tracking.tasks." not in page
    assert "kwargs" not in page

    response = admin.post(ADD, _form())

    assert response.status_code == 302
    task = PeriodicTask.objects.get(name="nightly-default")
    assert task.task == Schedule.BATCH_TASK
    assert json.loads(task.kwargs) == {"series": "default", "quantity": 500}
    c = task.crontab
    assert (c.minute, c.hour, c.day_of_month, str(c.timezone)) == ("0", "2", "*", "UTC")


def test_an_administrator_creates_a_pool_rule_run_every_few_minutes(admin):
    response = admin.post(
        ADD,
        _form(name="keep-default", kind="pool", quantity="", minimum="1000")
        | {"cron": "", "every_minutes": "5"},
    )

    assert response.status_code == 302
    task = PeriodicTask.objects.get(name="keep-default")
    assert task.task == Schedule.POOL_TASK
    assert json.loads(task.kwargs) == {"series": "default", "minimum": 1000}
    assert task.interval.schedule.run_every.total_seconds() == 300


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"series": "defualt"}, "series", "Select a valid choice"),
        ({"quantity": ""}, "quantity", QUANTITY_RANGE.format(max=BATCH_QUANTITY_MAX)),
        ({"quantity": "0"}, "quantity", QUANTITY_RANGE.format(max=BATCH_QUANTITY_MAX)),
        (
            {"kind": "pool", "quantity": ""},
            "minimum",
            POOL_MINIMUM_INVALID.format(max=BATCH_QUANTITY_MAX),
        ),
        ({"cron": "0 25 * * *"}, "cron", "Use five crontab fields"),
        ({"cron": "every night"}, "cron", "Use five crontab fields"),
        ({"cron": ""}, "cron", "Give either a crontab or an interval"),
    ],
)
def test_a_schedule_that_could_not_run_is_a_form_error(admin, values, field, message):
    response = admin.post(ADD, _form(**values))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert not PeriodicTask.objects.filter(name="nightly-default").exists()


def test_setup_periodic_tasks_refuses_what_the_form_refuses(default_series):
    with pytest.raises(ValidationFailed) as refused:
        schedule_batch_save(
            name="n", series_code="defualt", quantity=None, crontab="0 25 * * *"
        )
    assert set(refused.value.errors) == {"series", "quantity", "crontab"}
    with pytest.raises(CommandError, match="Use five crontab fields"):
        call_command(
            "setup_periodic_tasks",
            "--batch=n",
            "--series=default",
            "--quantity=5",
            "--crontab=61 * * * *",
        )
    assert not PeriodicTask.objects.filter(name="n").exists()


def test_the_list_shows_series_quantity_next_run_and_last_result(admin, default_series):
    periodic_tasks_sync()  # the internal ones exist too
    schedule_batch_save(
        name="nightly", series_code="default", quantity=500, crontab="0 2 * * *"
    )
    pool_rule_save(name="keep", series_code="default", minimum=1000, every_seconds=300)
    batch = batch_create(series=default_series, quantity=500, source="schedule")
    ScheduleRun.objects.create(schedule="nightly", slot=batch.created_at, batch=batch)

    page = admin.get(LIST).content.decode()

    assert "nightly" in page
    assert "keep" in page
    assert "batch-reconcile" not in page  # internal tasks are not listed
    assert "Recurring batch" in page
    assert "Pool rule" in page
    assert "keep ≥ 1,000" in page
    assert "0 2 * * * (UTC)" in page
    assert "every 5 min" in page
    assert "02:00 UTC" in page  # next run of the nightly one
    assert f"Batch {batch.pk}</a>" in page
    assert "not run yet" in page


def test_the_edit_form_shows_the_schedule_in_the_same_terms(admin, default_series):
    task = schedule_batch_save(
        name="nightly", series_code="default", quantity=500, crontab="30 1 * * 1"
    )

    response = admin.get(reverse("admin:tracking_schedule_change", args=[task.pk]))
    form = response.context["adminform"].form
    assert form.initial["kind"] == "batch"
    assert form.initial["series"] == "default"
    assert form.initial["quantity"] == 500
    assert form.initial["cron"] == "30 1 * * 1"

    changed = admin.post(
        reverse("admin:tracking_schedule_change", args=[task.pk]),
        _form(quantity="700", cron="30 1 * * 1"),
    )
    assert changed.status_code == 302
    assert json.loads(PeriodicTask.objects.get(pk=task.pk).kwargs)["quantity"] == 700
    assert PeriodicTask.objects.filter(name="nightly").count() == 1


def test_the_schedule_pages_speak_the_portals_terms_not_the_librarys(
    admin, default_series
):
    task = schedule_batch_save(
        name="nightly", series_code="default", quantity=500, crontab="30 1 * * 1"
    )

    for url in (ADD, reverse("admin:tracking_schedule_change", args=[task.pk])):
        page = admin.get(url).content.decode()
        assert "Short Description For This Task" not in page
        assert "Set to False" not in page
        assert "(m/h/dM/MY/d)" not in page
        assert "keys its runs" in page
    assert str(Schedule.objects.get(pk=task.pk)) == "nightly"


def test_a_viewer_sees_schedules_but_cannot_add_one(client, viewer_user):
    client.force_login(viewer_user)
    assert client.get(LIST).status_code == 200
    assert client.post(ADD, _form()).status_code == 403


def test_run_now_queues_a_batch_or_says_why_not_never_a_500(
    admin, default_series, django_capture_on_commit_callbacks
):
    from tracking.models import Batch

    good = schedule_batch_save(
        name="nightly", series_code="default", quantity=7, crontab="0 2 * * *"
    )
    # A schedule stored before the form checked it: its series was misspelt.
    bad = PeriodicTask.objects.create(
        name="legacy",
        task=Schedule.BATCH_TASK,
        kwargs=json.dumps({"series": "defualt"}),
        crontab=good.crontab,
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            LIST,
            {"action": "run_now", "_selected_action": [good.pk, bad.pk]},
            follow=True,
        )

    assert response.status_code == 200
    texts = " ".join(str(m) for m in response.context["messages"])
    batch = Batch.objects.get()
    assert f"nightly: batch {batch.pk} of 7 queued." in texts
    assert "legacy:" in texts
    assert batch.quantity == 7


def test_a_schedule_without_timing_is_told_in_the_forms_own_terms(admin):
    response = admin.post(ADD, _form(cron=""))

    said = " ".join(response.context["adminform"].form.errors["cron"])
    assert "Give either a crontab or an interval" in said
    assert "seconds" not in said  # the form asks for minutes
