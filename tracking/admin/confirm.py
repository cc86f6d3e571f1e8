"""The confirmation page of an admin action, as ``delete_selected`` has one.

A GET, or a POST without ``post=yes``, shows what will change; the page
posts back with ``post=yes`` and hidden fields that repeat the request, and
only then does the action act.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.admin import helpers
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse


def confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("post") == "yes"


def selection_hidden(request: HttpRequest, action: str) -> list[tuple[str, str]]:
    """Hidden fields that repeat a changelist action on its selection."""
    return [
        *(
            (helpers.ACTION_CHECKBOX_NAME, pk)
            for pk in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        ),
        ("action", action),
        ("select_across", request.POST.get("select_across", "0")),
    ]


def selection_confirmation_page(
    model_admin, request: HttpRequest, queryset, *, action: str, **text: str
) -> TemplateResponse:
    """The confirmation page of changelist ``action`` on its selection."""
    opts = model_admin.opts
    return confirmation_page(
        model_admin,
        request,
        items=queryset,
        cancel_url=reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        hidden=selection_hidden(request, action),
        danger=True,
        **text,
    )


def confirmation_page(
    model_admin,
    request: HttpRequest,
    *,
    title: str,
    message: str,
    items: Iterable[object],
    confirm_label: str,
    cancel_url: str,
    hidden: Iterable[tuple[str, str]] = (),
    danger: bool = False,
) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.opts,
        "message": message,
        "items": [str(i) for i in items],
        "confirm_label": confirm_label,
        "cancel_url": cancel_url,
        "hidden": list(hidden),
        "danger": danger,
    }
    return TemplateResponse(request, "admin/tracking/confirm.html", context)
