"""Labels in the portal: a number's barcode, and printing a selection, an
issue run and a batch, for whoever may export."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from tests.helpers.scanning import decode_pdf_page, decode_svg, zpl_barcodes
from tracking.messages import BATCH_HAS_NO_LABELS
from tracking.models import Batch, TrackingNumber
from tracking.services import (
    batch_create,
    tracking_number_issue,
    tracking_number_void,
)

CHANGELIST = "/admin/tracking/trackingnumber/"


@pytest.fixture
def no_export(client, db, default_series):
    """Staff who may look at numbers and batches but not export them."""
    user = User.objects.create_user("nina", password="x", is_staff=True)
    for code in ("view_trackingnumber", "view_batch"):
        user.user_permissions.add(Permission.objects.get(codename=code))
    client.force_login(user)
    return client


@pytest.fixture
def issued(s10_series):
    return tracking_number_issue(series=s10_series, count=3, reference="SHIP-1")


def _scanned(numbers) -> list[tuple[str, bytes]]:
    return sorted(("]C0", n.number.encode()) for n in numbers)


def test_a_numbers_page_shows_its_barcode(viewer, issued):
    page = viewer.get(
        reverse("admin:tracking_trackingnumber_change", args=[issued[0].pk])
    )

    assert page.status_code == 200
    svg = re.search(r"<svg.*?</svg>", page.content.decode(), re.S)[0]
    assert decode_svg(svg) == _scanned(issued[:1])
    n = issued[0].number
    assert f"{n[:2]} {n[2:5]} {n[5:8]} {n[8:11]} {n[11:]}" in svg


def _print_selected(client, numbers, **extra):
    data = {
        "action": "print_labels_selected",
        "_selected_action": [n.pk for n in numbers],
        **extra,
    }
    return client.post(CHANGELIST, data)


def test_print_labels_of_a_selection_asks_then_streams_the_pdf(
    viewer, issued, tmp_path
):
    page = _print_selected(viewer, issued[:2])

    assert page.status_code == 200
    assert 'data-testid="labels-form"' in page.content.decode()
    response = _print_selected(
        viewer, issued[:2], post="yes", format="pdf", layout="a4"
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    assert sorted(decode_pdf_page(pdf, tmp_path)) == _scanned(issued[:2])


def test_print_labels_across_every_page_of_the_filtered_list(viewer, issued):
    tracking_number_void(number=issued[2], reason="torn")
    response = viewer.post(
        f"{CHANGELIST}?series__id__exact={issued[0].series_id}",
        {
            "action": "print_labels_selected",
            "_selected_action": [issued[0].pk],
            "select_across": "1",
            "post": "yes",
            "format": "zpl",
            "layout": "4x6",
        },
    )

    zpl = b"".join(response.streaming_content).decode()
    assert sorted(zpl_barcodes(zpl)) == _scanned(issued[:2])  # void left out


def test_the_issue_result_links_to_its_labels(client, operator_user, s10_series):
    client.force_login(operator_user)
    result = client.post(
        "/admin/tracking/trackingnumber/issue/",
        {"series": s10_series.pk, "quantity": 4},
        follow=True,
    )
    link = re.search(r'href="([^"]+/issue/labels/[^"]+)"', result.content.decode())
    url = link[1].replace("&amp;", "&")

    form = client.get(url)
    assert 'data-testid="labels-form"' in form.content.decode()
    response = client.get(f"{url}&format=zpl&layout=4x6")
    zpl = b"".join(response.streaming_content).decode()
    issued = TrackingNumber.objects.filter(series=s10_series)
    assert len(issued) == 4
    assert sorted(zpl_barcodes(zpl)) == _scanned(issued)


@pytest.fixture
def batch(s10_series, django_capture_on_commit_callbacks) -> Batch:
    with django_capture_on_commit_callbacks(execute=True):
        return batch_create(series=s10_series, quantity=12, source="portal")


def test_a_batch_page_prints_its_labels(viewer, batch, tmp_path):
    url = reverse("admin:tracking_batch_print_labels", args=[batch.pk])
    change = viewer.get(reverse("admin:tracking_batch_change", args=[batch.pk]))
    assert url in change.content.decode()

    form = viewer.get(url)
    assert 'data-testid="labels-form"' in form.content.decode()
    response = viewer.get(f"{url}?format=pdf&layout=letter")
    pdf = b"".join(response.streaming_content)
    numbers = TrackingNumber.objects.filter(batch=batch).order_by("serial")
    assert sorted(decode_pdf_page(pdf, tmp_path)) == _scanned(numbers[:10])


def test_a_batch_without_numbers_says_so(viewer, s10_series):
    pending = batch_create(series=s10_series, quantity=3, source="portal")
    url = reverse("admin:tracking_batch_print_labels", args=[pending.pk])

    response = viewer.get(f"{url}?format=zpl&layout=4x6", follow=True)

    assert BATCH_HAS_NO_LABELS.format(id=pending.pk) in [
        str(m) for m in response.context["messages"]
    ]


def test_staff_who_may_not_export_may_not_print(no_export, issued, batch):
    changelist = no_export.get(CHANGELIST)
    assert "print_labels_selected" not in changelist.content.decode()
    url = reverse("admin:tracking_batch_print_labels", args=[batch.pk])
    assert no_export.get(f"{url}?format=zpl&layout=4x6").status_code == 403
    first, count = issued[0].serial, len(issued)
    labels = reverse("admin:tracking_trackingnumber_issue_labels")
    query = f"series={issued[0].series_id}&first={first}&count={count}&format=zpl"
    assert no_export.get(f"{labels}?{query}&layout=4x6").status_code == 403
