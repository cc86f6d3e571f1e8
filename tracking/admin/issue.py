"""Issuing numbers from the portal: the form page, its result and its CSV."""

from __future__ import annotations

import io
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from unfold.decorators import action

from tracking import selectors, services
from tracking.admin.labels import (
    EXPORT_PERMISSION,
    labels_download,
    labels_page,
    may_print,
)
from tracking.admin.series import PREVIEW_COUNT
from tracking.exceptions import TrackingError, ValidationFailed
from tracking.forms import BulkIssueForm, LabelsForm
from tracking.messages import BATCH_QUEUED, ISSUED, counted
from tracking.models import Batch, PortalSubmission, Series, TrackingNumber


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
            token = data["submission"] or uuid.uuid4()
            try:
                submission = services.portal_bulk_issue_once(
                    token=token,
                    user=request.user,
                    series=data["series"],
                    quantity=data["quantity"],
                    reference=data["reference"],
                    metadata=data["metadata"],
                )
            except ValidationFailed as e:
                for name, message in e.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except TrackingError as e:
                field = e.field if e.field in form.fields else "series"
                form.add_error(field, e.message)
            else:
                self._issued_message(request, submission.result, data["series"])
                # Post/Redirect/Get: reloading or going back never issues.
                return HttpResponseRedirect(self._result_url(submission))
        context = {
            **self.admin_site.each_context(request),
            "title": "Issue tracking numbers",
            "opts": self.opts,
            "form": form,
            "in_request_max": services.BULK_ISSUE_IN_REQUEST_MAX,
            "previews": self._previews(form),
        }
        return TemplateResponse(
            request, "admin/tracking/trackingnumber/bulk_issue.html", context
        )

    def _previews(self, form) -> list:
        """The next numbers of every series the form offers, one query."""
        series = list(form.fields["series"].queryset)
        previews = selectors.series_previews(series=series, count=PREVIEW_COUNT)
        return [(s.pk, previews[s.pk]) for s in series]

    def _issued_message(self, request, result: dict, series: Series) -> None:
        if "batch" in result:
            batch = Batch.objects.get(pk=result["batch"])
            text = BATCH_QUEUED.format(
                id=batch.pk, quantity=batch.quantity, series=series
            )
        else:
            text = ISSUED.format(
                count=counted(result["count"], "number"), series=series
            )
        self.message_user(request, text, messages.SUCCESS)

    def _result_url(self, submission: PortalSubmission) -> str:
        if "batch" in submission.result:
            return reverse(
                "admin:tracking_batch_change", args=[submission.result["batch"]]
            )
        return reverse(
            "admin:tracking_trackingnumber_issue_result", args=[submission.token]
        )

    def issue_result_view(self, request, token):
        """The result of one submitted issue form: its numbers or its batch."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        submission = PortalSubmission.objects.filter(
            token=token, user=request.user
        ).first()
        if submission is None:
            raise Http404
        result = submission.result
        if "batch" in result:
            return HttpResponseRedirect(self._result_url(submission))
        series = Series.objects.get(pk=result["series"])
        first, count = result["first"], result["count"]
        numbers = list(
            TrackingNumber.objects.filter(
                series=series, serial__gte=first, serial__lt=first + count
            ).order_by("serial")[:100]
        )
        csv_url = reverse("admin:tracking_trackingnumber_issue_csv")
        labels_url = reverse("admin:tracking_trackingnumber_issue_labels")
        block = f"series={series.pk}&first={first}&count={count}"
        context = {
            **self.admin_site.each_context(request),
            "title": f"Issued {counted(count, 'number')} from {series}",
            "opts": self.opts,
            "numbers": numbers,
            "count": count,
            "series": series,
            "csv_url": f"{csv_url}?{block}",
            "labels_url": f"{labels_url}?{block}" if may_print(request) else "",
        }
        return TemplateResponse(
            request, "admin/tracking/trackingnumber/bulk_issue_done.html", context
        )

    def _issued_block(self, request):
        """The numbers of one in-request issue run: a contiguous serial block."""
        try:
            series_id = int(request.GET["series"])
            first = int(request.GET["first"])
            count = min(int(request.GET["count"]), services.BULK_ISSUE_IN_REQUEST_MAX)
        except (KeyError, ValueError) as e:
            raise Http404 from e
        numbers = TrackingNumber.objects.filter(
            series_id=series_id, serial__gte=first, serial__lt=first + count
        )
        return numbers, f"tracking-numbers-{series_id}-{first}"

    def issue_labels_view(self, request):
        """Labels of one in-request issue run, after asking for the format."""
        if not may_print(request):
            raise PermissionDenied
        numbers, name = self._issued_block(request)
        form = LabelsForm(request.GET if "format" in request.GET else None)
        if form.is_valid():
            return labels_download(
                services.tracking_number_labels(numbers=numbers), form, name
            )
        return labels_page(
            self,
            request,
            form=form,
            title=f"Print labels of {counted(numbers.count(), 'issued number')}",
            hidden=[(k, request.GET[k]) for k in ("series", "first", "count")],
            cancel_url=reverse("admin:tracking_trackingnumber_changelist"),
        )

    def issue_csv_view(self, request):
        """CSV of one in-request issue run: a contiguous serial block."""
        if not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        numbers, name = self._issued_block(request)
        out = io.BytesIO()
        services.export_write(
            format="csv", queryset=numbers.order_by("serial"), out=out
        )
        response = HttpResponse(out.getvalue(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response

    def get_urls(self):
        return [
            path(
                "issue/<uuid:token>/",
                self.admin_site.admin_view(self.issue_result_view),
                name="tracking_trackingnumber_issue_result",
            ),
            path(
                "issue/csv/",
                self.admin_site.admin_view(self.issue_csv_view),
                name="tracking_trackingnumber_issue_csv",
            ),
            path(
                "issue/labels/",
                self.admin_site.admin_view(self.issue_labels_view),
                name="tracking_trackingnumber_issue_labels",
            ),
            *super().get_urls(),
        ]
