"""Tracking numbers in the portal: the changelist and the lifecycle actions.

Issuing lives in tracking.admin.issue, import and export in
tracking.admin.exports, the list's paging in tracking.admin.changelist;
TrackingNumberAdmin combines them.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.filters import DateFieldListFilter
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.decorators import action, display

from tracking import selectors, services
from tracking.admin.changelist import (
    BatchFilter,
    CappedCountPaginator,
    KeysetChangeList,
)
from tracking.admin.confirm import confirmation_page, confirmed
from tracking.admin.exports import NumberImportExportMixin
from tracking.admin.issue import BulkIssueMixin
from tracking.admin.labels import labels_download, labels_page
from tracking.exceptions import TrackingError
from tracking.forms import LabelsForm, VoidForm
from tracking.labels.images import barcode_svg
from tracking.messages import (
    ACTION_REFUSED,
    MARKED_USED,
    NOTHING_TO_VOID,
    SELECTION_TOO_LARGE,
    VOID_SKIPPED,
    VOIDED,
    counted,
)
from tracking.models import TrackingNumber


class TrackingNumberAdmin(BulkIssueMixin, NumberImportExportMixin, ModelAdmin):
    list_display = (
        "number",
        "series",
        "status_label",
        "reference",
        "issued_by_label",
        "batch_link",
        "created_at",
    )
    list_filter = (
        "series",
        "status",
        ("created_at", DateFieldListFilter),
        ("client", RelatedDropdownFilter),
        ("issued_by", RelatedDropdownFilter),
        BatchFilter,
    )
    list_filter_submit = True
    list_select_related = ("series", "client", "issued_by")
    search_fields = ("number",)  # shows the box; see get_search_results
    search_help_text = "Number or its beginning, a scan, or a reference"
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = ("-id",)
    raw_id_fields = ("series", "client", "issued_by", "batch", "voided_by")
    actions = ["void_selected", "mark_used_selected", "print_labels_selected"]
    actions_list = ["issue_numbers"]
    actions_detail = ["void_detail", "mark_used_detail"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "barcode",
                    "number",
                    "series",
                    "serial",
                    "uuid_shown",
                    "status",
                )
            },
        ),
        ("Issue", {"fields": ("reference", "metadata_shown", "created_at", "batch")}),
        ("Who", {"fields": ("issued_by", "client")}),
        ("Lifecycle", {"fields": ("used_at", "void_reason", "voided_at", "voided_by")}),
    )

    # Numbers change only through the lifecycle actions: the detail page is
    # read-only for everybody, and numbers are never deleted.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_changelist(self, request, **kwargs):
        return KeysetChangeList

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

    @display(description="Issued by")
    def issued_by_label(self, obj: TrackingNumber) -> str:
        if obj.client_id is not None:
            return f"API: {obj.client}"
        if obj.issued_by_id is not None:
            return f"Portal: {obj.issued_by}"
        return self.get_empty_value_display()

    @display(description="Batch")
    def batch_link(self, obj: TrackingNumber) -> str:
        if obj.batch_id is None:
            return self.get_empty_value_display()
        return format_html(
            '<a class="tn-link" href="{}">{}</a>',
            reverse("admin:tracking_batch_change", args=[obj.batch_id]),
            obj.batch_id,
        )

    def _status_is(self, object_id, *statuses) -> bool:
        if object_id is None:
            return True
        pk = getattr(object_id, "pk", object_id)
        return TrackingNumber.objects.filter(pk=pk, status__in=statuses).exists()

    def get_readonly_fields(self, request, obj=None):
        fields = [f.name for f in self.model._meta.fields if f.name != "id"]
        return ["barcode", *fields, "uuid_shown", "metadata_shown"]

    @display(description="UUID")
    def uuid_shown(self, obj: TrackingNumber) -> str:
        return str(obj.uuid)

    @display(description="Metadata")
    def metadata_shown(self, obj: TrackingNumber) -> str:
        return json.dumps(obj.effective_metadata, ensure_ascii=False)

    @display(description="Barcode")
    def barcode(self, obj: TrackingNumber):
        image = barcode_svg(
            services.tracking_number_barcode(number=obj), scale=2, height=40, text=True
        )
        # Drawn here from the number, its one line of text escaped.
        return mark_safe(image.decode())  # noqa: S308

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
            outcome = services.tracking_numbers_void(
                numbers=numbers, reason=reason, user=request.user
            )
        except TrackingError as e:
            self.message_user(
                request, ACTION_REFUSED.format(error=e.message), messages.ERROR
            )
            return False
        for n in outcome.voided:
            self.log_change(request, n, f"Voided: {reason}")
        if outcome.voided:
            self.message_user(
                request,
                VOIDED.format(count=counted(len(outcome.voided), "number")),
                messages.SUCCESS,
            )
        if outcome.skipped:
            self.message_user(
                request,
                VOID_SKIPPED.format(
                    count=counted(len(outcome.skipped), "number"),
                    numbers="; ".join(
                        f"{n.number}: {why}" for n, why in outcome.skipped
                    ),
                ),
                messages.WARNING,
            )
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
            request,
            MARKED_USED.format(count=counted(len(numbers), "number")),
            messages.SUCCESS,
        )

    def _void_page(self, request, numbers, form, *, selected: bool):
        void = TrackingNumber.Status.VOID
        context = {
            **self.admin_site.each_context(request),
            "title": "Void tracking numbers",
            "opts": self.opts,
            "selection": numbers,
            "numbers": [n for n in numbers if n.status != void],
            "already_void": [n for n in numbers if n.status == void],
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
        if all(n.status == TrackingNumber.Status.VOID for n in numbers):
            self.message_user(request, NOTHING_TO_VOID, messages.WARNING)
            return None
        return self._void_page(request, numbers, form, selected=True)

    @admin.action(permissions=["use"], description="Mark selected numbers as used")
    def mark_used_selected(self, request, queryset):
        numbers = self._selection(request, queryset)
        if numbers is not None:
            self._mark_used(request, numbers)

    @admin.action(permissions=["export"], description="Print labels…")
    def print_labels_selected(self, request, queryset):
        form = LabelsForm(request.POST if "post" in request.POST else None)
        if form.is_valid():
            return labels_download(
                services.tracking_number_labels(numbers=queryset), form, "labels"
            )
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        across = request.POST.get("select_across", "0")
        hidden = [
            *((helpers.ACTION_CHECKBOX_NAME, pk) for pk in selected),
            ("action", "print_labels_selected"),
            ("select_across", across),
            ("post", "yes"),
        ]
        which = (
            "all matching numbers"
            if across == "1"
            else counted(len(selected), "selected number")
        )
        return labels_page(
            self,
            request,
            form=form,
            title=f"Print labels of {which}",
            method="post",
            hidden=hidden,
            cancel_url=reverse("admin:tracking_trackingnumber_changelist"),
        )

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
        # The action button is a link (GET): it asks, the page's POST acts.
        obj = self._object_or_404(request, object_id)
        change_url = reverse("admin:tracking_trackingnumber_change", args=[obj.pk])
        if confirmed(request):
            self._mark_used(request, [obj])
            return HttpResponseRedirect(change_url)
        return confirmation_page(
            self,
            request,
            title=f"Mark {obj.number} as used",
            message="Its status becomes “used”; the change is kept in its history.",
            items=[obj.number],
            confirm_label="Mark as used",
            cancel_url=change_url,
        )
