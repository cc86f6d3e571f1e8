"""API clients in the portal: tokens shown once, rotation, rate limits."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.admin import ModelAdmin

from tracking import selectors, services
from tracking.admin.confirm import confirmed, selection_confirmation_page
from tracking.exceptions import ValidationFailed
from tracking.messages import API_CLIENT_IN_USE


class ApiClientAdmin(ModelAdmin):
    list_display = (
        "name",
        "active",
        "can_admin_series",
        "can_create_batches",
        "rate",
        "token_prefix",
    )
    list_filter = ("active", "can_admin_series", "can_create_batches")
    search_fields = ("name",)
    filter_horizontal = ("series",)
    readonly_fields = ("token_prefix", "created_at")
    fields = (
        "name",
        "active",
        "series",
        "can_admin_series",
        "can_create_batches",
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
            can_create_batches=obj.can_create_batches,
            rate=obj.rate,
        )
        obj.pk = client.pk
        obj.token_hash = client.token_hash
        obj.token_prefix = client.token_prefix
        obj.created_at = client.created_at
        obj._state.adding = False
        obj.save()
        obj._new_token = token

    def response_add(self, request, obj, post_url_continue=None):
        # The token is shown in this response only: never in a message,
        # which would keep it in a cookie or the session.
        return self._tokens_page(request, [(obj.name, obj._new_token)])

    def _tokens_page(self, request, tokens: list[tuple[str, str]]):
        context = {
            **self.admin_site.each_context(request),
            "title": "New API token" if len(tokens) == 1 else "New API tokens",
            "opts": self.opts,
            "tokens": tokens,
            "done_url": reverse("admin:tracking_apiclient_changelist"),
        }
        response = TemplateResponse(
            request, "admin/tracking/apiclient/tokens.html", context
        )
        response["Cache-Control"] = "no-store"
        return response

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

    def delete_view(self, request, object_id, extra_context=None):
        client = self.get_object(request, object_id)
        if client is not None and selectors.api_client_in_use(client=client):
            self.message_user(
                request, API_CLIENT_IN_USE.format(name=client.name), messages.ERROR
            )
            return redirect("admin:tracking_apiclient_change", client.pk)
        return super().delete_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        # "Delete selected": name each client that must stay and say what
        # to do instead, rather than list every number it issued.
        in_use = [
            API_CLIENT_IN_USE.format(name=c.name)
            for c in objs
            if selectors.api_client_in_use(client=c)
        ]
        if in_use:
            return [], {}, set(), in_use
        return super().get_deleted_objects(objs, request)

    @admin.action(permissions=["change"], description="Rotate token of selected…")
    def rotate_token(self, request, queryset):
        if not confirmed(request):
            return selection_confirmation_page(
                self,
                request,
                queryset,
                action="rotate_token",
                title="Rotate API tokens",
                message=(
                    "Each client's current token stops working at once; the new "
                    "ones are shown on the next page, once."
                ),
                confirm_label="Rotate tokens",
            )
        tokens = []
        for client in queryset:
            token = services.api_client_rotate_token(client=client)
            tokens.append((client.name, token))
            self.log_change(request, client, "Rotated token")
        return self._tokens_page(request, tokens)
