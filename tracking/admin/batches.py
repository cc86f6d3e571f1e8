"""Batches in the portal: progress, cancel, retry and the CSV download."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper
from django.http import HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from tracking import services
from tracking.admin.confirm import confirmed, selection_confirmation_page
from tracking.admin.labels import (
    EXPORT_PERMISSION,
    labels_download,
    labels_page,
    may_print,
)
from tracking.exceptions import TrackingError
from tracking.forms import LabelsForm
from tracking.models import Batch

# What a batch is doing, in staff's words; "stalled" is an unfinished batch
# nobody worked on lately (services.batch_stalled_q).
STATES = {
    "pending": ("Queued", "info"),
    "running": ("Running", "warning"),
    "stalled": ("Stalled: no heartbeat", "danger"),
    "done": ("Done", "success"),
    "failed": ("Failed", "danger"),
    "cancelled": ("Cancelled", "info"),
}


def batch_state(batch: Batch) -> str:
    return "stalled" if getattr(batch, "stalled", False) else batch.status


def _progress(batch: Batch) -> str:
    done, total = batch.done, batch.quantity
    percent = 100.0 * done / total if total else 100.0
    live = batch.status in (Batch.Status.PENDING, Batch.Status.RUNNING)
    return format_html(
        '<div class="tn-usage" data-testid="batch-progress"{}>'
        '<div class="tn-bar tn-bar-{}"><span style="width:{}%"></span></div>'
        "<small><span data-done>{}</span> / {}</small></div>",
        format_html(
            ' data-progress-url="{}"',
            reverse("admin:tracking_batch_progress", args=[batch.pk]),
        )
        if live
        else "",
        "danger" if batch.status == "failed" else "ok",
        f"{percent:.1f}",
        number_format(done, force_grouping=True),
        number_format(total, force_grouping=True),
    )


class BatchAdmin(ModelAdmin):
    list_display = (
        "id",
        "series",
        "status_label",
        "progress_bar",
        "source",
        "requested_by",
        "created_at",
    )
    list_filter = ("status", "source", "series")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "progress_bar",
                    "state",
                    "series",
                    "quantity",
                    "source",
                    "requested_by",
                    "client",
                    "reference_prefix",
                    "metadata",
                )
            },
        ),
        (
            "Times (UTC)",
            {"fields": ("created_at", "started_at", "heartbeat_at", "finished_at")},
        ),
        ("Error", {"fields": ("error",)}),
        (
            "Runner (internal)",
            {
                "fields": (
                    "first_serial",
                    "done",
                    "reference_numbered",
                    "locked_by",
                    "lease_until",
                ),
                "classes": ["collapse"],
            },
        ),
    )
    list_select_related = ("series", "requested_by", "client")
    actions = ["cancel_selected", "retry_selected", "resume_selected"]
    actions_detail = ["download_csv", "print_labels"]
    readonly_fields = ("progress_bar",)

    def has_run_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("tracking.change_batch")

    def has_print_permission(self, request, obj=None) -> bool:
        return may_print(request)

    def has_export_permission(self, request, obj=None) -> bool:
        # The numbers are the tracking number list's: its export right.
        return request.user.has_perm(EXPORT_PERMISSION)

    def _each(self, request, queryset, service, verb: str) -> None:
        for batch in queryset:
            try:
                service(batch=batch)
            except TrackingError as e:
                self.message_user(request, e.message, messages.ERROR)
                continue
            self.log_change(request, batch, verb)
            self.message_user(request, f"{verb}: {batch}.", messages.SUCCESS)

    @admin.action(permissions=["run"], description="Cancel selected batches…")
    def cancel_selected(self, request, queryset):
        if not confirmed(request):
            return selection_confirmation_page(
                self,
                request,
                queryset,
                action="cancel_selected",
                title="Cancel batches",
                message=(
                    "A cancelled batch writes no more numbers; those already "
                    "written stay issued."
                ),
                confirm_label="Cancel batches",
            )
        self._each(request, queryset, services.batch_cancel, "Cancelled")
        return None

    @admin.action(permissions=["run"], description="Retry selected batches")
    def retry_selected(self, request, queryset):
        self._each(request, queryset, services.batch_retry, "Retried")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["progress_bar", *(f.name for f in Batch._meta.fields)]

    def get_queryset(self, request):
        stalled = services.batch_stalled_q(now=timezone.now())
        return (
            super()
            .get_queryset(request)
            .annotate(stalled=ExpressionWrapper(stalled, output_field=BooleanField()))
        )

    @admin.action(permissions=["run"], description="Resume stalled batches")
    def resume_selected(self, request, queryset):
        self._each(request, queryset, services.batch_resume, "Resumed")

    @display(
        description="Status",
        label={state: color for state, (_, color) in STATES.items()},
    )
    def status_label(self, obj: Batch):
        state = batch_state(obj)
        return state, STATES[state][0]

    @display(description="Status")
    def state(self, obj: Batch):
        return format_html(
            '<span data-testid="batch-state">{}</span>', STATES[batch_state(obj)][0]
        )

    @display(description="Progress")
    def progress_bar(self, obj: Batch):
        return _progress(obj)

    def progress_view(self, request, object_id):
        """The batch's progress as JSON, polled by its page (portal.js)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(self.get_queryset(request), pk=object_id)
        state = batch_state(batch)
        return JsonResponse(
            {
                "done": batch.done,
                "done_text": number_format(batch.done, force_grouping=True),
                "quantity": batch.quantity,
                "percent": round(100.0 * batch.done / batch.quantity, 1),
                "state": state,
                "label": STATES[state][0],
                "finished": batch.status
                not in (Batch.Status.PENDING, Batch.Status.RUNNING),
            }
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="tracking_batch_progress",
            ),
            *super().get_urls(),
        ]

    @action(
        description="Download numbers (CSV)",
        url_path="csv",
        permissions=["export"],
        icon="download",
    )
    def download_csv(self, request, object_id):
        batch = get_object_or_404(Batch, pk=object_id)
        response = StreamingHttpResponse(
            services.batch_numbers_csv(batch=batch), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}.csv"'
        return response

    @action(
        description="Print labels…",
        url_path="labels",
        permissions=["print"],
        icon="print",
    )
    def print_labels(self, request, object_id):
        batch = get_object_or_404(Batch.objects.select_related("series"), pk=object_id)
        change_url = reverse("admin:tracking_batch_change", args=[batch.pk])
        form = LabelsForm(request.GET if "format" in request.GET else None)
        if form.is_valid():
            try:
                labels = services.batch_labels(batch=batch)
            except TrackingError as e:
                self.message_user(request, e.message, messages.ERROR)
                return HttpResponseRedirect(change_url)
            return labels_download(labels, form, f"batch-{batch.pk}-labels")
        return labels_page(
            self,
            request,
            form=form,
            title=f"Print labels of batch {batch.pk} ({batch.done:,} numbers)",
            cancel_url=change_url,
        )
