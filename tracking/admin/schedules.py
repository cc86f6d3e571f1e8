"""Schedules: staff's recurring batches and pool rules (ScheduleAdmin), and
django-celery-beat's own admin in the portal's look for the internals.

https://unfoldadmin.com/docs/integrations/django-celery-beat/
"""

from __future__ import annotations

import json
from datetime import UTC, timedelta

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django_celery_beat.admin import ClockedScheduleAdmin as BaseClockedScheduleAdmin
from django_celery_beat.admin import CrontabScheduleAdmin as BaseCrontabScheduleAdmin
from django_celery_beat.admin import PeriodicTaskAdmin as BasePeriodicTaskAdmin
from django_celery_beat.admin import PeriodicTaskForm, TaskSelectWidget
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from tracking import selectors, services
from tracking.exceptions import TrackingError
from tracking.forms import ScheduleForm
from tracking.models import Schedule


class UnfoldTaskSelectWidget(UnfoldAdminSelectWidget, TaskSelectWidget):
    pass


class UnfoldPeriodicTaskForm(PeriodicTaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].widget = UnfoldAdminTextInputWidget()
        self.fields["regtask"].widget = UnfoldTaskSelectWidget()


class PeriodicTaskAdmin(BasePeriodicTaskAdmin, ModelAdmin):
    form = UnfoldPeriodicTaskForm

    # django-celery-beat's actions declare no permissions, so a viewer
    # could run, enable or disable tasks; they change tasks: change right.
    CHANGING_ACTIONS = ("enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            for name in self.CHANGING_ACTIONS:
                actions.pop(name, None)
        return actions


class IntervalScheduleAdmin(ModelAdmin):
    pass


class CrontabScheduleAdmin(BaseCrontabScheduleAdmin, ModelAdmin):
    pass


class SolarScheduleAdmin(ModelAdmin):
    pass


class ClockedScheduleAdmin(BaseClockedScheduleAdmin, ModelAdmin):
    pass


class ScheduleAdmin(ModelAdmin):
    """Recurring batches and pool rules, in operations terms.

    Lists and edits only the two schedulable tasks; the rows are the
    PeriodicTasks beat runs, written by the same services as
    ``setup_periodic_tasks``.
    """

    form = ScheduleForm
    fields = (
        "name",
        "kind",
        "series",
        "quantity",
        "minimum",
        "cron",
        "every_minutes",
        "enabled",
    )
    list_display = (
        "name",
        "kind_label",
        "series_code",
        "amount",
        "when",
        "next_run",
        "last_result",
        "enabled",
    )
    list_filter = ("enabled",)
    search_fields = ("name",)
    actions = ["run_now"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(task__in=[Schedule.BATCH_TASK, Schedule.POOL_TASK])
            .select_related("crontab", "interval")
        )

    def save_model(self, request, obj, form, change):
        values = form.schedule_values()
        amount = values["amount"]
        save = (
            services.pool_rule_save
            if values["task"] == Schedule.POOL_TASK
            else services.schedule_batch_save
        )
        saved = save(
            name=obj.name,
            series_code=values["series_code"],
            crontab=values["crontab"],
            every_seconds=values["every_seconds"],
            enabled=obj.enabled,
            **(
                {"minimum": amount}
                if values["task"] == Schedule.POOL_TASK
                else {"quantity": amount}
            ),
        )
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.action(permissions=["change"], description="Run selected schedules now")
    def run_now(self, request, queryset):
        for schedule in queryset:
            try:
                batch = services.schedule_run_now(schedule=schedule)
            except TrackingError as e:
                self.message_user(
                    request, f"{schedule.name}: {e.message}", messages.ERROR
                )
                continue
            text = (
                f"{schedule.name}: batch {batch.pk} of {batch.quantity:,} queued."
                if batch
                else f"{schedule.name}: nothing to do (pool full or slot taken)."
            )
            self.message_user(request, text, messages.SUCCESS)

    @staticmethod
    def _kwargs(obj) -> dict:
        return json.loads(obj.kwargs or "{}")

    @display(description="Kind")
    def kind_label(self, obj) -> str:
        if obj.task == Schedule.POOL_TASK:
            return "Pool rule"
        return "Recurring batch"

    @display(description="Series")
    def series_code(self, obj) -> str:
        return self._kwargs(obj).get("series", "—")

    @display(description="Quantity or minimum")
    def amount(self, obj) -> str:
        kwargs = self._kwargs(obj)
        if "minimum" in kwargs:
            return f"keep ≥ {number_format(kwargs['minimum'], force_grouping=True)}"
        return number_format(kwargs.get("quantity", 0), force_grouping=True)

    @display(description="When")
    def when(self, obj) -> str:
        if obj.crontab is not None:
            c = obj.crontab
            return (
                f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} "
                f"{c.day_of_week} ({c.timezone})"
            )
        if obj.interval is not None:
            minutes = obj.interval.schedule.run_every.total_seconds() / 60
            return f"every {minutes:g} min"
        return "—"

    @display(description="Next run")
    def next_run(self, obj) -> str:
        if not obj.enabled or obj.scheduler is None:
            return "paused" if not obj.enabled else "—"
        now = timezone.now()
        due = now + obj.schedule.remaining_estimate(obj.last_run_at or now)
        # The estimate comes a fraction of a second early: to the minute.
        due = (due + timedelta(seconds=30)).replace(second=0, microsecond=0)
        return due.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

    @display(description="Last result")
    def last_result(self, obj) -> str:
        batch = selectors.schedule_last_batch(schedule=obj)
        if batch is None:
            return "not run yet"
        return format_html(
            '<a class="tn-link" href="{}">Batch {}</a> · {} · {} / {}',
            reverse("admin:tracking_batch_change", args=[batch.pk]),
            batch.pk,
            batch.get_status_display(),
            number_format(batch.done, force_grouping=True),
            number_format(batch.quantity, force_grouping=True),
        )
