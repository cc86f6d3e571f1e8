"""Batches in the portal: progress, cancel, retry and the CSV download."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from tracking import services
from tracking.admin.labels import labels_download, labels_page, may_print
from tracking.exceptions import TrackingError
from tracking.forms import LabelsForm
from tracking.models import Batch


def _progress(done: int, total: int, status: str) -> str:
    percent = 100.0 * done / total if total else 100.0
    return format_html(
        '<div class="tn-usage"><div class="tn-bar tn-bar-{}"><span style="width:{}%">'
        "</span></div><small>{} / {}</small></div>",
        "danger" if status == "failed" else "ok",
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
    list_select_related = ("series", "requested_by", "client")
    actions = ["cancel_selected", "retry_selected"]
    actions_detail = ["download_csv", "print_labels"]
    readonly_fields = ("progress_bar",)

    def has_run_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("tracking.change_batch")

    def has_print_permission(self, request, obj=None) -> bool:
        return may_print(request)

    def _each(self, request, queryset, service, verb: str) -> None:
        for batch in queryset:
            try:
                service(batch=batch)
            except TrackingError as e:
                self.message_user(request, e.message, messages.ERROR)
                continue
            self.log_change(request, batch, verb)
            self.message_user(request, f"{verb}: {batch}.", messages.SUCCESS)

    @admin.action(permissions=["run"], description="Cancel selected batches")
    def cancel_selected(self, request, queryset):
        self._each(request, queryset, services.batch_cancel, "Cancelled")

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

    def get_fields(self, request, obj=None):
        return ["progress_bar", *(f.name for f in Batch._meta.fields if f.name != "id")]

    @display(
        description="Status",
        label={
            "pending": "info",
            "running": "warning",
            "done": "success",
            "failed": "danger",
            "cancelled": "info",
        },
    )
    def status_label(self, obj: Batch):
        return obj.status, obj.get_status_display()

    @display(description="Progress")
    def progress_bar(self, obj: Batch):
        return _progress(obj.done, obj.quantity, obj.status)

    @action(
        description="Download numbers (CSV)",
        url_path="csv",
        permissions=["view"],
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
