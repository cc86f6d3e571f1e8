"""API clients in the portal: tokens shown once, rotation, rate limits."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from unfold.admin import ModelAdmin

from tracking import services
from tracking.exceptions import ValidationFailed
from tracking.messages import TOKEN_CREATED


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
