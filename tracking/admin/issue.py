"""Issuing numbers from the portal: the form page, its result and its CSV."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from import_export.formats.base_formats import CSV
from unfold.decorators import action

from tracking import services
from tracking.exceptions import TrackingError, ValidationFailed
from tracking.forms import BulkIssueForm
from tracking.models import Series, TrackingNumber
from tracking.resources import TrackingNumberResource

# Messages staff see; tests assert them.
ISSUED = "Issued {count} number(s) from series {series}."
BATCH_QUEUED = (
    "Batch {id} of {quantity} numbers from series {series} is queued; its "
    "progress shows below."
)


class BulkIssueMixin:
    """The "Issue numbers" list action of TrackingNumberAdmin."""

    def has_issue_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("tracking.issue_series")

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

    def get_urls(self):
        return [
            path(
                "issue/csv/",
                self.admin_site.admin_view(self.issue_csv_view),
                name="tracking_trackingnumber_issue_csv",
            ),
            *super().get_urls(),
        ]
