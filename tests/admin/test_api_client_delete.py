"""A client that issued numbers stays: the portal says to deactivate it."""

from __future__ import annotations

from django.urls import reverse

from tracking.messages import API_CLIENT_IN_USE
from tracking.models import ApiClient
from tracking.services import api_client_create, tracking_number_issue


def test_a_client_that_issued_numbers_cannot_be_deleted(
    client, admin_user, default_series
):
    printer, _ = api_client_create(name="printer-7")
    tracking_number_issue(series=default_series, client=printer, count=3)
    client.force_login(admin_user)
    url = reverse("admin:tracking_apiclient_delete", args=[printer.pk])

    page = client.get(url, follow=True)
    assert page.redirect_chain[-1][0] == reverse(
        "admin:tracking_apiclient_change", args=[printer.pk]
    )
    assert [str(m) for m in page.context["messages"]] == [
        API_CLIENT_IN_USE.format(name="printer-7")
    ]
    assert "deactivate it instead" in page.content.decode()
    client.post(url, {"post": "yes"})
    assert ApiClient.objects.filter(pk=printer.pk).exists()


def test_delete_selected_names_the_clients_to_deactivate(
    client, admin_user, default_series
):
    printer, _ = api_client_create(name="printer-7")
    idle, _ = api_client_create(name="never-used")
    tracking_number_issue(series=default_series, client=printer, count=1)
    client.force_login(admin_user)
    changelist = reverse("admin:tracking_apiclient_changelist")
    action = {"action": "delete_selected", "_selected_action": [printer.pk, idle.pk]}

    page = client.post(changelist, action).content.decode()
    assert API_CLIENT_IN_USE.format(name="printer-7").replace("'", "&#x27;") in page
    client.post(changelist, {**action, "post": "yes"})
    assert ApiClient.objects.filter(pk__in=[printer.pk, idle.pk]).count() == 2

    client.post(changelist, {**action, "_selected_action": [idle.pk], "post": "yes"})
    assert not ApiClient.objects.filter(pk=idle.pk).exists()
