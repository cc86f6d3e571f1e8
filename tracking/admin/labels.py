"""Printing labels in the portal: a selection, an issue run, a batch.

Whoever may export numbers may print them (the export permission). The
labels stream: a selection across pages or a batch of any size never sits
in memory.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest, StreamingHttpResponse
from django.template.response import TemplateResponse

from tracking import services
from tracking.forms import LabelsForm
from tracking.labels import CONTENT_TYPES, Label

# Exports of numbers (CSV downloads included) and printing need this right.
EXPORT_PERMISSION = "tracking.export_trackingnumber"


def may_print(request: HttpRequest) -> bool:
    return request.user.has_perm(EXPORT_PERMISSION)


def labels_download(
    labels: Iterable[Label], form: LabelsForm, name: str
) -> StreamingHttpResponse:
    """Stream the labels in the format and layout the valid ``form`` chose."""
    kind = form.cleaned_data["format"]
    response = StreamingHttpResponse(
        services.labels_render(
            labels=labels, kind=kind, layout=form.cleaned_data["layout"]
        ),
        content_type=CONTENT_TYPES[kind],
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


def labels_page(
    model_admin,
    request: HttpRequest,
    *,
    form: LabelsForm,
    title: str,
    method: str = "get",
    hidden: Iterable[tuple[str, str]] = (),
    cancel_url: str,
) -> TemplateResponse:
    """The page that asks for the format and layout, then prints."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.opts,
        "form": form,
        "method": method,
        "hidden": list(hidden),
        "cancel_url": cancel_url,
    }
    return TemplateResponse(request, "admin/tracking/print_labels.html", context)
