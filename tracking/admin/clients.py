"""API clients in the portal: tokens shown once, rotation, rate limits."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from unfold.admin import ModelAdmin

from tracking import selectors, services
from tracking.exceptions import ValidationFailed
from tracking.messages import API_CLIENT_IN_USE, TOKEN_CREATED


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
