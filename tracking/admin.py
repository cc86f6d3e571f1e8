"""The operations portal: the Django admin, themed by django-unfold.

Admin classes stay declarative; every write goes through tracking.services
and every non-trivial read through tracking.selectors. Permissions are
checked on the server for each view and action (tracking.roles).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.filters import DateFieldListFilter
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django_celery_beat.admin import ClockedScheduleAdmin as BaseClockedScheduleAdmin
from django_celery_beat.admin import CrontabScheduleAdmin as BaseCrontabScheduleAdmin
from django_celery_beat.admin import PeriodicTaskAdmin as BasePeriodicTaskAdmin
from django_celery_beat.admin import PeriodicTaskForm, TaskSelectWidget
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm
from unfold.decorators import action, display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from tracking import selectors, services
from tracking.exceptions import TrackingError, ValidationFailed
from tracking.forms import BulkIssueForm, VoidForm
from tracking.models import ApiClient, Batch, ExportJob, Series, TrackingNumber
from tracking.resources import TrackingNumberImportResource, TrackingNumberResource

# Messages staff see; tests assert them.
ISSUED = "Issued {count} number(s) from series {series}."
BATCH_QUEUED = (
    "Batch {id} of {quantity} numbers from series {series} is queued; its "
    "progress shows below."
)
VOIDED = "Voided {count} number(s)."
MARKED_USED = "Marked {count} number(s) as used."
SELECTION_TOO_LARGE = (
    "Select at most {max} numbers for this action; narrow the list with the "
    "search box or the filters."
)
ACTION_REFUSED = "Nothing was changed: {error}"
RANGE_RESERVED = (
    "Reserved the remaining {count} serials of series {series} for imports; "
    "the series no longer issues numbers itself."
)
TOKEN_CREATED = "Token of API client {name} (shown once, copy it now): {token}"  # noqa: S105
EXPORT_NOT_READY = "This export has no file yet (status: {status})."

# Changelist counts stop here; above it the page says "more than".
CHANGELIST_COUNT_CAP = 10_000


# DASHBOARD
# ------------------------------------------------------------------------------


def _chart(daily: list[tuple[Any, int]]) -> dict[str, Any]:
    """Geometry of the 30-day bar chart, drawn as inline SVG (no library)."""
    width, height, top, bottom, pad = 720, 180, 12, 24, 24
    peak = max((n for _, n in daily), default=0) or 1
    slot = (width - 2 * pad) / max(len(daily), 1)
    bars = []
    for i, (day, n) in enumerate(daily):
        h = round((height - top - bottom) * n / peak, 1)
        bars.append(
            {
                "x": round(pad + i * slot + slot * 0.15, 1),
                "y": round(height - bottom - h, 1),
                "w": round(slot * 0.7, 1),
                "h": h,
                "day": day,
                "count": n,
                "label": day.strftime("%d %b") if i % 5 == 4 or i == 0 else "",
                "label_x": round(pad + i * slot + slot / 2, 1),
            }
        )
    return {
        "width": width,
        "height": height,
        "baseline": height - bottom,
        "label_y": height - 6,
        "peak": peak,
        "empty": all(n == 0 for _, n in daily),
        "bars": bars,
    }


def dashboard_callback(request: HttpRequest, context: dict) -> dict:
    """UNFOLD["DASHBOARD_CALLBACK"]: the admin index becomes the dashboard.

    What it reads (see tracking.selectors.portal_dashboard): allocated and
    voided per series from the allocators and counters (O(1) each, no row
    counts), today's numbers by a range count on the created_at index, and
    past days of the chart from the cache, so a view costs the same with
    10 million rows as with ten.
    """
    if not request.user.has_perm("tracking.view_trackingnumber"):
        return context
    data = selectors.portal_dashboard()
    context.update(data)
    context["chart"] = _chart(data["daily"])
    context["dashboard"] = True
    context["can_issue"] = request.user.has_perm("tracking.issue_series")
    return context


# PAGINATION
# ------------------------------------------------------------------------------


class CappedCountPaginator(Paginator):
    """Never counts 10 million rows: an estimate or a count up to a cap."""

    @cached_property
    def count(self) -> int:
        return selectors.tracking_number_count_capped(
            self.object_list, CHANGELIST_COUNT_CAP
        )


# TRACKING NUMBERS
# ------------------------------------------------------------------------------

admin.site.index_title = "Dashboard"
admin.site.site_header = admin.site.site_title = "Tracking numbers"


@admin.register(TrackingNumber)
class TrackingNumberAdmin(ImportMixin, ExportActionMixin, ModelAdmin):
    list_display = (
        "number",
        "series",
        "status_label",
        "reference",
        "client",
        "created_at",
    )
    list_filter = ("series", "status", ("created_at", DateFieldListFilter))
    list_filter_submit = True
    list_select_related = ("series", "client")
    search_fields = ("number",)  # shows the box; see get_search_results
    search_help_text = (
        "Exact number or its beginning (spaces and case ignored), or an "
        "exact reference."
    )
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = ("-id",)
    raw_id_fields = ("series", "client", "issued_by", "batch", "voided_by")
    actions = ["void_selected", "mark_used_selected"]
    actions_list = ["issue_numbers"]
    actions_detail = ["void_detail", "mark_used_detail"]
    fieldsets = (
        (None, {"fields": ("number", "series", "serial", "uuid", "status")}),
        ("Issue", {"fields": ("reference", "metadata", "created_at", "batch")}),
        ("Who", {"fields": ("issued_by", "client")}),
        ("Lifecycle", {"fields": ("used_at", "void_reason", "voided_at", "voided_by")}),
    )
    # import-export
    import_form_class = ImportForm
    export_form_class = ExportForm
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX, JSON]
    show_change_form_export = False
    import_export_change_list_template = (
        "admin/import_export/change_list_import_export.html"
    )

    # Numbers change only through the lifecycle actions: the detail page is
    # read-only for everybody, and numbers are never deleted.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_issue_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("tracking.issue_series")

    def has_void_permission(self, request: HttpRequest, obj=None) -> bool:
        # On the detail page unfold passes the object id: offer the button
        # only while the number can still be voided.
        return request.user.has_perm(
            "tracking.void_trackingnumber"
        ) and self._status_is(
            obj, TrackingNumber.Status.ISSUED, TrackingNumber.Status.USED
        )

    def has_use_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("tracking.use_trackingnumber") and self._status_is(
            obj, TrackingNumber.Status.ISSUED
        )

    def _status_is(self, object_id, *statuses) -> bool:
        if object_id is None:
            return True
        pk = getattr(object_id, "pk", object_id)
        return TrackingNumber.objects.filter(pk=pk, status__in=statuses).exists()

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "id"]

    def get_import_resource_classes(self, request):
        return [TrackingNumberImportResource]

    def get_export_resource_classes(self, request):
        return [TrackingNumberResource]

    @display(
        description="Status",
        label={"issued": "info", "used": "success", "void": "danger"},
    )
    def status_label(self, obj: TrackingNumber):
        return obj.status, obj.get_status_display()

    # Search ---------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        # Indexed lookups only (number prefix, exact reference), never
        # icontains over the table; no joins, so no duplicates to remove.
        return selectors.tracking_number_search(queryset, search_term), False

    # Lifecycle actions ----------------------------------------------------

    def _selection(self, request, queryset) -> list[TrackingNumber] | None:
        limit = settings.PORTAL_ACTION_MAX_ROWS
        selected = list(queryset.select_related("series")[: limit + 1])
        if len(selected) > limit:
            self.message_user(
                request, SELECTION_TOO_LARGE.format(max=limit), messages.ERROR
            )
            return None
        return selected

    def _void(self, request, numbers: list[TrackingNumber], reason: str) -> bool:
        try:
            services.tracking_numbers_void(
                numbers=numbers, reason=reason, user=request.user
            )
        except TrackingError as e:
            self.message_user(
                request, ACTION_REFUSED.format(error=e.message), messages.ERROR
            )
            return False
        for n in numbers:
            self.log_change(request, n, f"Voided: {reason}")
        self.message_user(request, VOIDED.format(count=len(numbers)), messages.SUCCESS)
        return True

    def _mark_used(self, request, numbers: list[TrackingNumber]) -> None:
        try:
            services.tracking_numbers_mark_used(numbers=numbers)
        except TrackingError as e:
            self.message_user(
                request, ACTION_REFUSED.format(error=e.message), messages.ERROR
            )
            return
        for n in numbers:
            self.log_change(request, n, "Marked as used")
        self.message_user(
            request, MARKED_USED.format(count=len(numbers)), messages.SUCCESS
        )

    def _void_page(self, request, numbers, form, *, selected: bool):
        context = {
            **self.admin_site.each_context(request),
            "title": "Void tracking numbers",
            "opts": self.opts,
            "numbers": numbers,
            "form": form,
            "selected": selected,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(
            request, "admin/tracking/trackingnumber/void_confirmation.html", context
        )

    @admin.action(permissions=["void"], description="Void selected numbers…")
    def void_selected(self, request, queryset):
        numbers = self._selection(request, queryset)
        if numbers is None:
            return None
        form = VoidForm(request.POST if "post" in request.POST else None)
        if form.is_valid():
            self._void(request, numbers, form.cleaned_data["reason"])
            return None
        return self._void_page(request, numbers, form, selected=True)

    @admin.action(permissions=["use"], description="Mark selected numbers as used")
    def mark_used_selected(self, request, queryset):
        numbers = self._selection(request, queryset)
        if numbers is not None:
            self._mark_used(request, numbers)

    def _object_or_404(self, request, object_id) -> TrackingNumber:
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        return obj

    @action(
        description="Void…",
        url_path="void",
        permissions=["void"],
        icon="block",
    )
    def void_detail(self, request, object_id):
        obj = self._object_or_404(request, object_id)
        change_url = reverse("admin:tracking_trackingnumber_change", args=[obj.pk])
        form = VoidForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            self._void(request, [obj], form.cleaned_data["reason"])
            return HttpResponseRedirect(change_url)
        return self._void_page(request, [obj], form, selected=False)

    @action(
        description="Mark as used",
        url_path="mark-used",
        permissions=["use"],
        icon="check_circle",
    )
    def mark_used_detail(self, request, object_id):
        obj = self._object_or_404(request, object_id)
        if request.method == "POST":
            self._mark_used(request, [obj])
        return HttpResponseRedirect(
            reverse("admin:tracking_trackingnumber_change", args=[obj.pk])
        )

    # Bulk issue -----------------------------------------------------------

    @action(
        description="Issue numbers",
        url_path="issue",
        permissions=["issue"],
        icon="add_circle",
    )
    def issue_numbers(self, request):
        form = BulkIssueForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.portal_bulk_issue(
                    series=data["series"],
                    quantity=data["quantity"],
                    reference_prefix=data["reference"],
                    metadata=data["metadata"],
                    user=request.user,
                )
            except ValidationFailed as e:
                for name, message in e.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except TrackingError as e:
                field = e.field if e.field in form.fields else "series"
                form.add_error(field, e.message)
            else:
                if result.batch is not None:
                    b = result.batch
                    self.message_user(
                        request,
                        BATCH_QUEUED.format(
                            id=b.pk, quantity=b.quantity, series=data["series"]
                        ),
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:tracking_batch_change", args=[b.pk])
                    )
                return self._issued_page(request, data["series"], result.numbers)
        context = {
            **self.admin_site.each_context(request),
            "title": "Issue tracking numbers",
            "opts": self.opts,
            "form": form,
            "in_request_max": services.BULK_ISSUE_IN_REQUEST_MAX,
        }
        return TemplateResponse(
            request, "admin/tracking/trackingnumber/bulk_issue.html", context
        )

    def _issued_page(self, request, series: Series, numbers: list[TrackingNumber]):
        first, count = numbers[0].serial, len(numbers)
        self.message_user(
            request, ISSUED.format(count=count, series=series), messages.SUCCESS
        )
        csv_url = reverse("admin:tracking_trackingnumber_issue_csv")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Issued {count} number(s) from {series}",
            "opts": self.opts,
            "numbers": numbers[:100],
            "count": count,
            "series": series,
            "csv_url": f"{csv_url}?series={series.pk}&first={first}&count={count}",
        }
        return TemplateResponse(
            request, "admin/tracking/trackingnumber/bulk_issue_done.html", context
        )

    def issue_csv_view(self, request):
        """CSV of one in-request issue run: a contiguous serial block."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            series_id = int(request.GET["series"])
            first = int(request.GET["first"])
            count = min(int(request.GET["count"]), services.BULK_ISSUE_IN_REQUEST_MAX)
        except (KeyError, ValueError) as e:
            raise Http404 from e
        numbers = (
            TrackingNumber.objects.filter(
                series_id=series_id, serial__gte=first, serial__lt=first + count
            )
            .select_related("series")
            .order_by("serial")
        )
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = (
            f'attachment; filename="tracking-numbers-{series_id}-{first}.csv"'
        )
        resource = TrackingNumberResource()
        dataset = resource.export(numbers)
        response.write(CSV().export_data(dataset))
        return response

    # Export ---------------------------------------------------------------

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
        params = {k: v for k, v in request.GET.items() if not k.startswith("_")}
        if export_form is not None and "export_items" in export_form.changed_data:
            params["ids"] = list(export_form.cleaned_data["export_items"])
        export = services.export_create(
            format=file_format.get_extension(), filters=params, user=request.user
        )
        self.message_user(
            request, services.EXPORT_QUEUED.format(rows=limit), messages.INFO
        )
        return HttpResponseRedirect(
            reverse("admin:tracking_exportjob_change", args=[export.pk])
        )

    def get_urls(self):
        return [
            path(
                "issue/csv/",
                self.admin_site.admin_view(self.issue_csv_view),
                name="tracking_trackingnumber_issue_csv",
            ),
            *super().get_urls(),
        ]


# SERIES
# ------------------------------------------------------------------------------


@admin.register(Series)
class SeriesAdmin(ModelAdmin):
    list_display = (
        "code",
        "name",
        "scheme",
        "mode",
        "usage",
        "voided_count",
        "active",
        "is_default",
    )
    list_filter = ("scheme", "active")
    search_fields = ("code", "name")
    actions = ["reserve_for_import"]
    fieldsets = (
        (None, {"fields": ("code", "name", "scheme", "mode", "active", "is_default")}),
        (
            "Format",
            {"fields": Series.FORMAT_FIELDS},
        ),
        ("Range", {"fields": ("start", "end", "voided_count", "created_at")}),
    )
    # The format never changes after creation: issued numbers must still
    # parse. Only the name, the end of the range and the flags stay open.
    _frozen = ("code", "scheme", "mode", *Series.FORMAT_FIELDS, "start")

    def get_readonly_fields(self, request, obj=None):
        base = ("voided_count", "created_at")
        return base + self._frozen if obj is not None else base

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_changelist_instance(self, request):
        cl = super().get_changelist_instance(request)
        nexts = selectors.series_next_serials(list(cl.result_list))
        for s in cl.result_list:
            s.__dict__["next_serial_now"] = nexts.get(s.pk, s.next_serial)
        return cl

    @display(description="Capacity used")
    def usage(self, obj: Series):
        percent = 100.0 * obj.allocated / obj.capacity if obj.capacity else 100.0
        level = "danger" if percent >= 95 else "warning" if percent >= 80 else "ok"
        return format_html(
            '<div class="tn-usage"><div class="tn-bar tn-bar-{}">'
            '<span style="width:{}%"></span></div><small>{} % · {} of {}</small></div>',
            level,
            f"{min(percent, 100):.2f}",
            f"{percent:.1f}",
            number_format(obj.allocated, force_grouping=True),
            number_format(obj.capacity, force_grouping=True),
        )

    def save_model(self, request, obj, form, change):
        # Saved by series_save in the form's validation (see get_form), so
        # its errors show beside the fields; nothing is left to do here.
        pass

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class SeriesForm(form):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    services.series_save(series=self.instance)
                except ValidationFailed as e:
                    for name, message in e.errors.items():
                        self.add_error(name if name in self.fields else None, message)

        # Set after subclassing: a ModelForm subclass rebuilds its fields.
        if "end" in SeriesForm.base_fields:
            SeriesForm.base_fields["end"].required = False
            SeriesForm.base_fields[
                "end"
            ].help_text = "Last serial, inclusive. Empty: the scheme's largest serial."
        return SeriesForm

    @admin.action(
        permissions=["change"], description="Reserve remaining range for import"
    )
    def reserve_for_import(self, request, queryset):
        for series in queryset:
            try:
                count = services.series_reserve_for_import(series=series)
            except TrackingError as e:
                self.message_user(request, e.message, messages.ERROR)
                continue
            self.log_change(request, series, f"Reserved {count} serials for import")
            self.message_user(
                request,
                RANGE_RESERVED.format(
                    count=number_format(count, force_grouping=True), series=series
                ),
                messages.SUCCESS,
            )


# API CLIENTS
# ------------------------------------------------------------------------------


@admin.register(ApiClient)
class ApiClientAdmin(ModelAdmin):
    list_display = ("name", "active", "can_admin_series", "rate", "token_prefix")
    list_filter = ("active", "can_admin_series")
    search_fields = ("name",)
    filter_horizontal = ("series",)
    readonly_fields = ("token_prefix", "created_at")
    fields = (
        "name",
        "active",
        "series",
        "can_admin_series",
        "rate",
        "token_prefix",
        "created_at",
    )
    actions = ["rotate_token"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        client, token = services.api_client_create(
            name=obj.name,
            can_admin_series=obj.can_admin_series,
            rate=obj.rate,
        )
        obj.pk = client.pk
        obj.token_hash = client.token_hash
        obj.token_prefix = client.token_prefix
        obj.created_at = client.created_at
        obj._state.adding = False
        obj.save()
        self.message_user(
            request, TOKEN_CREATED.format(name=obj.name, token=token), messages.WARNING
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class ApiClientForm(form):
            def clean_rate(self):
                rate = self.cleaned_data.get("rate", "")
                if rate:
                    try:
                        services.api_rate_validate(rate)
                    except ValidationFailed as e:
                        raise forms.ValidationError(e.errors["rate"]) from e
                return rate

        return ApiClientForm

    @admin.action(permissions=["change"], description="Rotate token of selected")
    def rotate_token(self, request, queryset):
        for client in queryset:
            token = services.api_client_rotate_token(client=client)
            self.log_change(request, client, "Rotated token")
            self.message_user(
                request,
                TOKEN_CREATED.format(name=client.name, token=token),
                messages.WARNING,
            )


# BATCHES AND EXPORTS
# ------------------------------------------------------------------------------


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


@admin.register(Batch)
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
    actions_detail = ["download_csv"]
    readonly_fields = ("progress_bar",)

    def has_run_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("tracking.change_batch")

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


@admin.register(ExportJob)
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


# DJANGO-CELERY-BEAT AND AUTH, IN THE PORTAL'S LOOK
# ------------------------------------------------------------------------------
# https://unfoldadmin.com/docs/integrations/django-celery-beat/

for _model in (
    PeriodicTask,
    IntervalSchedule,
    CrontabSchedule,
    SolarSchedule,
    ClockedSchedule,
    User,
    Group,
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class UnfoldTaskSelectWidget(UnfoldAdminSelectWidget, TaskSelectWidget):
    pass


class UnfoldPeriodicTaskForm(PeriodicTaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].widget = UnfoldAdminTextInputWidget()
        self.fields["regtask"].widget = UnfoldTaskSelectWidget()


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(BasePeriodicTaskAdmin, ModelAdmin):
    form = UnfoldPeriodicTaskForm


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(ModelAdmin):
    pass


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(BaseCrontabScheduleAdmin, ModelAdmin):
    pass


@admin.register(SolarSchedule)
class SolarScheduleAdmin(ModelAdmin):
    pass


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(BaseClockedScheduleAdmin, ModelAdmin):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass
