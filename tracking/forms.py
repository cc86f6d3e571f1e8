"""Forms of the operations portal: bulk issue, void with a reason, labels."""

from __future__ import annotations

import json
import uuid

from django import forms
from django.conf import settings
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from tracking.messages import (
    METADATA_NOT_OBJECT,
    QUANTITY_RANGE,
    SCHEDULE_NAME_TAKEN,
    VOID_REASON_REQUIRED,
)
from tracking.models import Schedule, Series


class _JSONObjectField(forms.JSONField):
    def prepare_value(self, value):
        # An empty field shows empty again, not "null".
        return "" if value in (None, "", {}) else super().prepare_value(value)


class BulkIssueForm(forms.Form):
    """Series, quantity and optional reference / metadata of a bulk issue.

    Only active series are offered; exhausting a series is reported by the
    service and attached to the series field by the view.
    """

    series = forms.ModelChoiceField(
        queryset=Series.objects.filter(active=True).order_by("code"),
        widget=UnfoldAdminSelectWidget,
        empty_label="Choose a series",
    )
    quantity = forms.IntegerField(widget=UnfoldAdminIntegerFieldWidget)
    reference = forms.CharField(
        label="Reference",
        required=False,
        max_length=80,
        widget=UnfoldAdminTextInputWidget,
        help_text="Optional: your order or shipment id, stored as typed on "
        "every number.",
    )
    metadata = _JSONObjectField(
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text='Optional JSON object, e.g. {"dock": 3}.',
    )

    # One token per rendered form: a second POST of it (double click,
    # resubmitted page) shows the first one's result (portal_bulk_issue_once).
    submission = forms.UUIDField(
        required=False, initial=uuid.uuid4, widget=forms.HiddenInput
    )

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        maximum = settings.PORTAL_BULK_ISSUE_MAX
        if not 1 <= quantity <= maximum:
            raise forms.ValidationError(QUANTITY_RANGE.format(max=maximum))
        return quantity

    def clean_metadata(self) -> dict:
        value = self.cleaned_data.get("metadata")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError(METADATA_NOT_OBJECT)
        return value


class VoidForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        widget=UnfoldAdminTextInputWidget(attrs={"autofocus": True}),
        help_text="Kept with each number and shown in its history.",
        error_messages={"required": VOID_REASON_REQUIRED},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(VOID_REASON_REQUIRED)
        return reason


# Errors of services.schedule_check -> the form field they belong beside.
_SCHEDULE_ERROR_FIELDS = {
    "crontab": "cron",
    "schedule": "cron",
    "every": "every_minutes",
}


class ScheduleForm(forms.ModelForm):
    """A recurring batch or a pool rule in operations terms.

    Checked by ``services.schedule_check``, as ``setup_periodic_tasks`` is,
    and saved by the same services (``ScheduleAdmin.save_model``).
    """

    BATCH, POOL = "batch", "pool"

    kind = forms.ChoiceField(
        choices=[
            (BATCH, "Recurring batch: issue a quantity of numbers each time"),
            (POOL, "Pool rule: keep at least a minimum of unassigned numbers"),
        ],
        widget=UnfoldAdminSelectWidget,
    )
    series = forms.ModelChoiceField(
        queryset=Series.objects.filter(active=True).order_by("code"),
        to_field_name="code",
        widget=UnfoldAdminSelectWidget,
        empty_label="Choose a series",
    )
    quantity = forms.IntegerField(
        required=False,
        widget=UnfoldAdminIntegerFieldWidget,
        help_text="Recurring batch: numbers issued each time.",
    )
    minimum = forms.IntegerField(
        required=False,
        widget=UnfoldAdminIntegerFieldWidget,
        help_text="Pool rule: unassigned numbers to keep; a batch tops it up.",
    )
    # Not "crontab": that is PeriodicTask's own foreign key.
    cron = forms.CharField(
        label="When (crontab, UTC)",
        required=False,
        initial="0 2 * * *",
        widget=UnfoldAdminTextInputWidget,
        help_text="minute hour day month weekday, in UTC: “0 2 * * *” is "
        "every day at 02:00, “*/15 * * * *” every 15 minutes. Leave empty "
        "to run every N minutes instead.",
    )
    every_minutes = forms.IntegerField(
        label="Or every N minutes",
        required=False,
        widget=UnfoldAdminIntegerFieldWidget,
    )

    class Meta:
        model = Schedule
        fields = ["name", "enabled"]
        help_texts = {
            "name": "Unique; it keys its runs (one batch per slot), so it "
            "cannot be changed once saved.",
            "enabled": "Untick to pause the schedule; beat skips it until "
            "it is ticked again.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        task = self.instance
        if task.pk is None:
            return
        self.fields["name"].disabled = True
        kwargs_ = json.loads(task.kwargs or "{}")
        is_pool = task.task == Schedule.POOL_TASK
        self.initial.update(
            kind=self.POOL if is_pool else self.BATCH,
            series=kwargs_.get("series"),
            quantity=kwargs_.get("quantity"),
            minimum=kwargs_.get("minimum"),
            cron="",
        )
        if task.crontab is not None:
            c = task.crontab
            self.initial["cron"] = (
                f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} "
                f"{c.day_of_week}"
            )
        elif task.interval is not None:
            seconds = task.interval.schedule.run_every.total_seconds()
            self.initial["every_minutes"] = int(seconds // 60)

    def schedule_values(self) -> dict:
        """The values the schedule services take (after validation)."""
        data = self.cleaned_data
        series = data.get("series")
        minutes = data.get("every_minutes")
        pool = data.get("kind") == self.POOL
        return {
            "task": Schedule.POOL_TASK if pool else Schedule.BATCH_TASK,
            "series_code": series.code if series else "",
            "amount": data.get("minimum" if pool else "quantity"),
            "crontab": (data.get("cron") or "").strip() or None,
            "every_seconds": minutes * 60 if minutes is not None else None,
        }

    def clean(self):
        from tracking.exceptions import ValidationFailed
        from tracking.services import schedule_check

        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            schedule_check(**self.schedule_values())
        except ValidationFailed as e:
            for name, message in e.errors.items():
                field = _SCHEDULE_ERROR_FIELDS.get(name, name)
                self.add_error(field if field in self.fields else None, message)
        return cleaned

    def validate_unique(self):
        # PeriodicTask.validate_unique also wants a timing set on the
        # instance; the service sets it. Only the name is checked here.
        name = self.cleaned_data.get("name")
        if name is None:
            return
        others = type(self.instance).objects.exclude(pk=self.instance.pk)
        if others.filter(name=name).exists():
            self.add_error("name", SCHEDULE_NAME_TAKEN)


class LabelsForm(forms.Form):
    """What to print: a PDF in a layout, or ZPL for a thermal printer."""

    format = forms.ChoiceField(
        choices=[("pdf", "PDF (laser printer)"), ("zpl", "ZPL (thermal printer)")],
        initial="pdf",
        widget=UnfoldAdminSelectWidget,
    )
    layout = forms.ChoiceField(
        choices=[
            ("4x6", "4 x 6 in, one label a page"),
            ("a4", "A4 sheet, 8 labels (99.1 x 67.7 mm)"),
            ("letter", "Letter sheet, 10 labels (4 x 2 in)"),
        ],
        initial="4x6",
        widget=UnfoldAdminSelectWidget,
        help_text="PDF only: ZPL labels are always 4 x 6 in at 203 dpi.",
    )
