"""Series in the portal: capacity, the frozen format and range reservation."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.widgets import UnfoldBooleanWidget

from tracking import allocation, selectors, services
from tracking.admin.confirm import confirmed, selection_confirmation_page
from tracking.exceptions import TrackingError, ValidationFailed
from tracking.messages import RANGE_RESERVED
from tracking.models import Series

PREVIEW_COUNT = 5


class SeriesAdminForm(forms.ModelForm):
    accept_carrier_overlap = forms.BooleanField(
        required=False,
        label="Accept carrier overlap",
        widget=UnfoldBooleanWidget,
        help_text="Create the series even though a carrier's format also "
        "accepts its numbers; the overlap is recorded.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "scheme" in self.fields:
            # portal.js shows the chosen scheme's format fields only, and
            # the first number as staff type.
            self.fields["scheme"].widget.attrs.update(
                {
                    "data-scheme-fields": json.dumps(
                        {s: Series.format_fields_of(s) for s in Series.Scheme.values}
                    ),
                    "data-preview-url": reverse("admin:tracking_series_draft_preview"),
                }
            )


class SeriesAdmin(ModelAdmin):
    form = SeriesAdminForm
    list_display = (
        "code",
        "name",
        "scheme",
        "mode",
        "usage",
        "voided",
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
        ("Range", {"fields": ("start", "end", "voided", "created_at")}),
    )
    # Fixed at creation, as issued numbers must still parse: code, scheme,
    # mode, format and start. The name, the flags and the end of the range
    # stay open (allocation.series_edit_errors refuses a new end where it
    # would remap a scrambled series' issued serials).
    _frozen = ("code", "scheme", "mode", *Series.FORMAT_FIELDS, "start")

    def get_readonly_fields(self, request, obj=None):
        base = ("voided", "created_at")
        if obj is None:
            return base
        return (*base, *self._frozen, "carrier_overlap", "preview")

    def get_fieldsets(self, request, obj=None):
        # New series: the consent to a carrier overlap; existing ones: the
        # overlap that was accepted and the next numbers.
        (main, fmt, rest) = self.fieldsets
        if obj is None:
            return (
                main,
                (fmt[0], {"fields": (*fmt[1]["fields"], "accept_carrier_overlap")}),
                rest,
            )
        fields = (*fmt[1]["fields"], "carrier_overlap")
        return (
            main,
            (fmt[0], {"fields": fields}),
            ("Next numbers", {"fields": ("preview",)}),
            rest,
        )

    @display(description="Preview")
    def preview(self, obj: Series):
        shown = selectors.series_preview(series=obj, count=PREVIEW_COUNT)
        return render_to_string(
            "admin/tracking/series/preview.html", {"preview": shown}
        )

    def draft_preview_view(self, request):
        """JSON: the first number of the series the add form describes."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        draft = Series(scheme=request.GET.get("scheme", ""))
        try:
            for name in ("mode", "start", *Series.FORMAT_FIELDS):
                value = request.GET.get(name, "")
                if value != "":
                    field = Series._meta.get_field(name)
                    setattr(draft, name, field.to_python(value))
            first = selectors.series_draft_first_number(series=draft)
        except DjangoValidationError as e:
            return JsonResponse({"errors": {"form": " ".join(e.messages)}}, status=400)
        except ValidationFailed as e:
            return JsonResponse({"errors": e.errors}, status=400)
        return JsonResponse(
            {"first": first, "scrambled": draft.mode == Series.Mode.SCRAMBLED}
        )

    def get_urls(self):
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.draft_preview_view),
                name="tracking_series_draft_preview",
            ),
            *super().get_urls(),
        ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_changelist_instance(self, request):
        cl = super().get_changelist_instance(request)
        allocation.series_usage_annotate(list(cl.result_list))
        voided = selectors.series_voided_counts([s.pk for s in cl.result_list])
        for s in cl.result_list:
            s._voided = voided.get(s.pk, 0)
        return cl

    @display(description="Voided")
    def voided(self, obj: Series) -> str:
        count = getattr(obj, "_voided", None)
        if count is None:  # the change form: one series
            count = selectors.series_voided_counts([obj.pk]).get(obj.pk, 0)
        return number_format(count, force_grouping=True)

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
                    services.series_save(
                        series=self.instance,
                        accept_carrier_overlap=self.cleaned_data.get(
                            "accept_carrier_overlap", False
                        ),
                    )
                except ValidationFailed as e:
                    for name, message in e.errors.items():
                        # The domain's "check" is the model's check_char.
                        name = "check_char" if name == "check" else name
                        self.add_error(name if name in self.fields else None, message)

        # Set after subclassing: a ModelForm subclass rebuilds its fields.
        if "end" in SeriesForm.base_fields:
            SeriesForm.base_fields["end"].required = False
            SeriesForm.base_fields[
                "end"
            ].help_text = "Last serial, inclusive. Empty: the scheme's largest serial."
        return SeriesForm

    @admin.action(
        permissions=["change"], description="Reserve remaining range for import…"
    )
    def reserve_for_import(self, request, queryset):
        if not confirmed(request):
            return selection_confirmation_page(
                self,
                request,
                queryset,
                action="reserve_for_import",
                title="Reserve the remaining range for import",
                message=(
                    "Every serial not yet issued is handed to imports: these "
                    "series will issue no more numbers themselves. This cannot "
                    "be undone."
                ),
                confirm_label="Reserve for import",
            )
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
