"""Forms of the operations portal: bulk issue and void with a reason."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from tracking.models import Series

QUANTITY_RANGE = "Enter a quantity between 1 and {max:,}."
METADATA_NOT_OBJECT = 'Metadata must be a JSON object, e.g. {"order": "A-1"}.'
VOID_REASON_REQUIRED = "Give a reason for voiding, e.g. “label damaged”."


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
