"""Import and export in the portal.

Small exports are written in the request by django-import-export; larger
ones become an ExportJob, run by a worker and downloaded from its page.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm
from unfold.decorators import display

from tracking import services
from tracking.messages import EXPORT_NOT_READY, EXPORT_QUEUED
from tracking.models import ExportJob, TrackingNumber
from tracking.resources import TrackingNumberImportResource, TrackingNumberResource


class NumberImportExportMixin(ImportMixin, ExportActionMixin):
    """Import and export of TrackingNumberAdmin."""

    import_form_class = ImportForm
    export_form_class = ExportForm
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX, JSON]
    show_change_form_export = False
    import_export_change_list_template = (
        "admin/import_export/change_list_import_export.html"
    )

    def get_import_resource_classes(self, request):
        return [TrackingNumberImportResource]

    def get_export_resource_classes(self, request):
        return [TrackingNumberResource]

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # The file is written as a background export writes it (one writer
        # per format), not by django-import-export's own formats.
        if not self.has_export_permission(request):
            raise PermissionDenied
        out = io.BytesIO()
        services.export_write(
            format=file_format.get_extension(), queryset=queryset, out=out
        )
        return out.getvalue()

    def export_admin_action(self, request, queryset):
        # A "select all" over a big list would put every id into the form;
        # export the filtered list through the export view instead.
        if request.POST.get("select_across") == "1":
            return HttpResponseRedirect(self._export_url(request))
        return super().export_admin_action(request, queryset)

    def get_valid_export_item_pks(self, request):
        # The default lists every id of the table to validate the posted
        # selection; check only the posted ids, against the filtered list.
        posted = [v for v in request.POST.getlist("export_items") if v.isdigit()]
        return (
            self.get_export_queryset(request)
            .filter(pk__in=posted)
            .values_list("pk", flat=True)
        )

    def _export_url(self, request) -> str:
        url = reverse("admin:tracking_trackingnumber_export")
        return f"{url}?{request.GET.urlencode()}" if request.GET else url

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        limit = settings.PORTAL_EXPORT_SYNC_MAX_ROWS
        if queryset.order_by()[: limit + 1].count() <= limit:
            return super()._do_file_export(
                file_format, request, queryset, export_form=export_form
            )
        params = {
            key: values[0] if len(values) == 1 else values
            for key, values in request.GET.lists()
            if not key.startswith("_")
        }
        if export_form is not None and "export_items" in export_form.changed_data:
            params["ids"] = list(export_form.cleaned_data["export_items"])
        export = services.export_create(
            format=file_format.get_extension(), filters=params, user=request.user
        )
        self.message_user(request, EXPORT_QUEUED.format(rows=limit), messages.INFO)
        return HttpResponseRedirect(
            reverse("admin:tracking_exportjob_change", args=[export.pk])
        )


def export_queryset(export: ExportJob) -> QuerySet[TrackingNumber]:
    """The rows of a background export: the changelist's, as its user saw it.

    TrackingNumberAdmin's own ChangeList is rebuilt from the job's saved
    query string and applies its list filters, search and ordering, so a
    filter added to the admin is honoured here without another change.
    ``ids`` (a selection) narrows it further.
    """
    params = {k: v for k, v in export.filters.items() if k != "ids"}
    request = HttpRequest()
    request.method = "GET"
    request.path = reverse("admin:tracking_trackingnumber_changelist")
    request.GET = QueryDict(urlencode(params, doseq=True))
    request.user = export.requested_by
    model_admin = admin.site.get_model_admin(TrackingNumber)
    queryset = model_admin.get_export_queryset(request)
    if export.filters.get("ids"):
        queryset = queryset.filter(pk__in=[int(pk) for pk in export.filters["ids"]])
    return queryset


class ExportJobAdmin(ModelAdmin):
    list_display = (
        "id",
        "format",
        "status",
        "rows",
        "requested_by",
        "created_at",
        "download",
    )
    list_filter = ("status", "format")
    list_select_related = ("requested_by",)
    fields = (
        "format",
        "status",
        "rows",
        "filters",
        "requested_by",
        "created_at",
        "finished_at",
        "error",
        "download",
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(requested_by=request.user)

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @display(description="File")
    def download(self, obj: ExportJob):
        if obj.status != ExportJob.Status.DONE:
            return "—"
        return format_html(
            '<a class="tn-link" href="{}">Download {}</a>',
            reverse("admin:tracking_exportjob_download", args=[obj.pk]),
            obj.format.upper(),
        )

    def download_view(self, request, object_id):
        """Serve an export file to the user who made it (or a superuser).

        MEDIA is not served publicly; this view is the only way out.
        """
        if not (
            self.has_view_permission(request)
            and request.user.has_perm("tracking.export_trackingnumber")
        ):
            raise PermissionDenied
        export = get_object_or_404(self.get_queryset(request), pk=object_id)
        if export.status != ExportJob.Status.DONE or not export.file:
            self.message_user(
                request,
                EXPORT_NOT_READY.format(status=export.get_status_display()),
                messages.WARNING,
            )
            return HttpResponseRedirect(
                reverse("admin:tracking_exportjob_change", args=[export.pk])
            )
        path_ = services.export_file_path(export)
        if not path_.exists():
            raise Http404
        return FileResponse(
            path_.open("rb"),
            as_attachment=True,
            filename=f"tracking-numbers-{export.pk}.{export.format}",
        )

    def get_urls(self):
        return [
            path(
                "<int:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="tracking_exportjob_download",
            ),
            *super().get_urls(),
        ]
