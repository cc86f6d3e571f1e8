"""Bulk issue, search, void and mark used through the admin's URLs."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from tracking.messages import (
    METADATA_NOT_OBJECT,
    NOTHING_TO_VOID,
    QUANTITY_RANGE,
    SERIES_EXHAUSTED,
    VOID_REASON_REQUIRED,
    VOID_SKIPPED,
    VOIDED,
)
from tracking.models import Batch, Series, TrackingNumber
from tracking.selectors import series_voided_counts
from tracking.services import tracking_number_issue

ISSUE_URL = "/admin/tracking/trackingnumber/issue/"
CHANGELIST = "/admin/tracking/trackingnumber/"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_issue_url_is_the_admin_action_url():
    assert reverse("admin:tracking_trackingnumber_issue_numbers") == ISSUE_URL


def test_an_operator_issues_25_numbers_and_downloads_them_as_csv(
    operator, operator_user, default_series
):
    response = operator.post(
        ISSUE_URL,
        {"series": default_series.pk, "quantity": 25, "reference": "ORDER-7"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Issued 25 numbers from series default." in _messages(response)
    numbers = TrackingNumber.objects.filter(series=default_series)
    assert numbers.count() == 25
    assert set(numbers.values_list("issued_by", flat=True)) == {operator_user.pk}
    assert set(numbers.values_list("reference", flat=True)) == {"ORDER-7"}
    csv_url = re.search(r'href="([^"]+/issue/csv/[^"]+)"', response.content.decode())
    download = operator.get(csv_url[1].replace("&amp;", "&"))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert sorted(r["number"] for r in rows) == sorted(
        numbers.values_list("number", flat=True)
    )


def test_the_issue_forms_csv_quotes_a_formula_in_the_reference(
    operator, default_series
):
    response = operator.post(
        ISSUE_URL,
        {"series": default_series.pk, "quantity": 2, "reference": "@SUM(A1)"},
        follow=True,
    )

    csv_url = re.search(r'href="([^"]+/issue/csv/[^"]+)"', response.content.decode())
    download = operator.get(csv_url[1].replace("&amp;", "&"))
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [r["reference"] for r in rows] == ["'@SUM(A1)", "'@SUM(A1)"]


@pytest.mark.parametrize("quantity", [0, -3, 10_000_001])
def test_it_answers_a_quantity_out_of_range_beside_the_field(
    operator, default_series, quantity
):
    response = operator.post(
        ISSUE_URL, {"series": default_series.pk, "quantity": quantity}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "quantity": [QUANTITY_RANGE.format(max=10_000_000)]
    }
    assert not TrackingNumber.objects.exists()


def test_it_does_not_offer_an_inactive_series(operator, default_series):
    Series.objects.filter(pk=default_series.pk).update(active=False)

    response = operator.post(ISSUE_URL, {"series": default_series.pk, "quantity": 5})

    assert response.status_code == 200
    assert "series" in response.context["form"].errors
    assert not TrackingNumber.objects.exists()


def test_it_reports_an_exhausted_series_beside_the_series_field(operator, tiny_series):
    small = tiny_series(end=9)

    response = operator.post(ISSUE_URL, {"series": small.pk, "quantity": 11})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "series": [
            SERIES_EXHAUSTED.format(
                code="tiny", count="11 numbers", remaining=10, capacity=10
            )
        ]
    }
    assert not TrackingNumber.objects.exists()


def test_it_refuses_metadata_that_is_not_an_object(operator, default_series):
    response = operator.post(
        ISSUE_URL, {"series": default_series.pk, "quantity": 1, "metadata": "[1, 2]"}
    )

    assert response.context["form"].errors == {"metadata": [METADATA_NOT_OBJECT]}
    assert not TrackingNumber.objects.exists()


def test_a_large_run_becomes_a_batch_and_shows_its_page(
    operator, operator_user, default_series, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(
            ISSUE_URL, {"series": default_series.pk, "quantity": 1500}
        )

    batch = Batch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:tracking_batch_change", args=[batch.pk]
    )
    assert (batch.quantity, batch.source, batch.requested_by) == (
        1500,
        "portal",
        operator_user,
    )
    page = operator.get(response["Location"])
    assert page.status_code == 200
    assert "1,500" in page.content.decode()


def test_the_issue_form_redirects_so_a_reload_issues_nothing(operator, default_series):
    response = operator.post(ISSUE_URL, {"series": default_series.pk, "quantity": 25})

    assert response.status_code == 302
    result_url = response["Location"]
    for _ in range(3):  # reload the result page
        page = operator.get(result_url)
        assert page.status_code == 200
        assert "25 numbers issued" in page.content.decode()
    assert TrackingNumber.objects.count() == 25


def test_a_second_post_of_the_same_form_issues_nothing(operator, default_series):
    form = operator.get(ISSUE_URL).content.decode()
    token = re.search(r'name="submission" value="([0-9a-f-]+)"', form)[1]
    data = {"series": default_series.pk, "quantity": 25, "submission": token}

    first = operator.post(ISSUE_URL, data)
    second = operator.post(ISSUE_URL, data)

    assert first["Location"] == second["Location"]
    assert TrackingNumber.objects.count() == 25
    # A fresh form gets a fresh token.
    again = operator.get(ISSUE_URL).content.decode()
    assert token not in again


def test_the_result_page_of_another_users_form_is_404(
    operator, admin_user, client, default_series
):
    response = operator.post(ISSUE_URL, {"series": default_series.pk, "quantity": 2})
    client.force_login(admin_user)
    assert client.get(response["Location"]).status_code == 404


def test_a_large_run_stores_the_typed_reference_on_every_number(
    operator, default_series, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(
            ISSUE_URL,
            {"series": default_series.pk, "quantity": 1500, "reference": "PORTAL-5000"},
        )

    assert Batch.objects.get().status == "done"
    references = TrackingNumber.objects.values_list("reference", flat=True)
    assert set(references) == {"PORTAL-5000"}
    found = operator.get(CHANGELIST, {"q": "PORTAL-5000"})
    assert "1,500" in found.content.decode() or "1500" in found.content.decode()


def test_a_viewer_gets_403_on_the_issue_page(viewer, default_series):
    assert viewer.get(ISSUE_URL).status_code == 403
    response = viewer.post(ISSUE_URL, {"series": default_series.pk, "quantity": 5})
    assert response.status_code == 403
    assert not TrackingNumber.objects.exists()


# SEARCH
# ------------------------------------------------------------------------------


@pytest.fixture
def issued(default_series, s10_series):
    a = tracking_number_issue(series=s10_series, count=3, reference="SHIP-1")
    b = tracking_number_issue(series=default_series, count=2, reference="SHIP-2")
    return a + b


def _listed(response) -> list[str]:
    return [n.number for n in response.context["cl"].result_list]


def test_search_finds_a_number_pasted_with_spaces_and_lower_case(viewer, issued):
    target = issued[1].number  # e.g. RB123456790GB
    pasted = f" {target[:2].lower()} {target[2:6]} {target[6:].lower()} "

    response = viewer.get(CHANGELIST, {"q": pasted})

    assert _listed(response) == [target]


def test_search_finds_by_prefix_and_by_exact_reference(viewer, issued):
    by_prefix = viewer.get(CHANGELIST, {"q": "rb"})
    by_reference = viewer.get(CHANGELIST, {"q": "SHIP-2"})

    assert sorted(_listed(by_prefix)) == sorted(n.number for n in issued[:3])
    assert sorted(_listed(by_reference)) == sorted(n.number for n in issued[3:])


def test_search_uses_indexed_lookups_only(viewer, issued):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        viewer.get(CHANGELIST, {"q": "rb 12"})

    sql = " ".join(
        q["sql"] for q in ctx.captured_queries if "tracking_trackingnumber" in q["sql"]
    )
    # number LIKE 'RB12%' (pattern-ops index) OR UPPER(reference) = ...
    # (the partial UPPER(reference) index).
    assert "\"number\"::text LIKE 'RB12%'" in sql
    assert 'UPPER("tracking_trackingnumber"."reference"::text) = UPPER(' in sql
    assert "LIKE '%" not in sql


def test_search_finds_a_reference_in_any_case(viewer, issued):
    response = viewer.get(CHANGELIST, {"q": "ship-2"})
    assert sorted(_listed(response)) == sorted(n.number for n in issued[3:])


def test_the_reference_search_is_served_by_its_index(issued):
    from django.db import connection

    from tracking.selectors import tracking_number_search

    qs = tracking_number_search(TrackingNumber.objects.all(), "ship-2")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        # On a small table the planner would rightly scan it; forbid that
        # to see whether an index can serve the query at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "tracking_number_reference_ci" in plan
    assert "Seq Scan" not in plan


@pytest.mark.parametrize(
    "scan",
    [
        "]C100306141410000000006",
        "(00)306141410000000006",
        "\x1d00306141410000000006",
        "(00) 3061 4141 0000 0000 06",
    ],
)
def test_search_finds_a_scanned_sscc(viewer, sscc_series, scan):
    number = tracking_number_issue(series=sscc_series, count=2)[0].number
    response = viewer.get(CHANGELIST, {"q": scan})
    assert _listed(response) == [number]


def test_the_changelist_has_no_n_plus_one(
    viewer, default_series, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tracking_number_issue(series=default_series, count=2)
    with CaptureQueriesContext(connection) as few:
        viewer.get(CHANGELIST)
    tracking_number_issue(series=default_series, count=40)
    with CaptureQueriesContext(connection) as many:
        viewer.get(CHANGELIST)

    assert len(many) == len(few)
    assert len(many) <= 12


def test_the_changelist_does_not_count_the_whole_table(viewer, default_series):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tracking_number_issue(series=default_series, count=3)
    with CaptureQueriesContext(connection) as ctx:
        viewer.get(CHANGELIST)

    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts, "expected one capped count"
    assert all("LIMIT" in sql for sql in counts)


# VOID AND MARK USED
# ------------------------------------------------------------------------------


def _action(client, action: str, numbers, *, follow=False, **extra):
    data = {"action": action, "_selected_action": [n.pk for n in numbers], **extra}
    return client.post(CHANGELIST, data, follow=follow)


def test_void_asks_for_a_reason_on_a_confirmation_page(operator, issued):
    page = _action(operator, "void_selected", issued[:2])

    assert page.status_code == 200
    assert "admin/tracking/trackingnumber/void_confirmation.html" in [
        t.name for t in page.templates
    ]
    assert not TrackingNumber.objects.filter(status="void").exists()


def test_void_without_a_reason_is_a_field_error_and_writes_nothing(operator, issued):
    response = _action(operator, "void_selected", issued[:2], post="yes", reason="  ")

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": [VOID_REASON_REQUIRED]}
    assert not TrackingNumber.objects.filter(status="void").exists()


def test_void_with_a_reason_voids_counts_and_logs(operator, operator_user, issued):
    response = _action(
        operator, "void_selected", issued[:2], post="yes", reason="label damaged"
    )

    assert response.status_code == 302
    voided = TrackingNumber.objects.filter(status="void")
    assert sorted(voided.values_list("pk", flat=True)) == sorted(
        n.pk for n in issued[:2]
    )
    assert set(voided.values_list("void_reason", "voided_by")) == {
        ("label damaged", operator_user.pk)
    }
    assert series_voided_counts()[Series.objects.get(code="rb-gb").pk] == 2
    assert (
        LogEntry.objects.filter(
            user=operator_user, change_message="Voided: label damaged"
        ).count()
        == 2
    )
    follow = operator.get(CHANGELIST)
    assert "Voided 2 numbers." in _messages(follow)


def test_void_of_a_mixed_selection_voids_the_rest_and_lists_the_skipped(
    operator, issued
):
    _action(operator, "void_selected", issued[:1], post="yes", reason="first")
    _action(operator, "void_selected", issued[2:3], post="yes", reason="torn")

    response = _action(
        operator, "void_selected", issued[:4], post="yes", reason="second", follow=True
    )

    reasons = dict(TrackingNumber.objects.values_list("number", "void_reason"))
    assert [reasons[n.number] for n in issued] == [
        "first",
        "second",
        "torn",
        "second",
        "",
    ]
    assert VOIDED.format(count="2 numbers") in _messages(response)
    # Listed in the changelist's order (newest first).
    assert VOID_SKIPPED.format(
        count="2 numbers",
        numbers=f"{issued[2].number}: already void (torn); "
        f"{issued[0].number}: already void (first)",
    ) in _messages(response)


def test_the_confirmation_counts_only_what_it_will_void(operator, issued):
    _action(operator, "void_selected", issued[:1], post="yes", reason="first")

    page = _action(operator, "void_selected", issued[:3])

    assert page.context["numbers"] == list(reversed(issued[1:3]))
    assert page.context["already_void"] == [issued[0]]
    html = re.sub(r"<[^>]+>", "", page.content.decode())
    assert "Void 2 tracking numbers" in html
    assert f"Already void, left as they are: {issued[0].number}" in html


def test_a_selection_that_is_all_void_is_not_offered_a_void(operator, issued):
    _action(operator, "void_selected", issued[:2], post="yes", reason="first")

    response = _action(operator, "void_selected", issued[:2], follow=True)

    assert response.redirect_chain
    assert NOTHING_TO_VOID in _messages(response)


def test_mark_used_from_the_list_and_from_the_detail_page(operator, issued):
    _action(operator, "mark_used_selected", issued[:1])
    detail = reverse(
        "admin:tracking_trackingnumber_mark_used_detail", args=[issued[1].pk]
    )
    # The button is a link: GET asks and changes nothing, the page's POST acts.
    asked = operator.get(detail)
    assert asked.status_code == 200
    assert asked.templates[0].name == "admin/tracking/confirm.html"
    assert TrackingNumber.objects.get(pk=issued[1].pk).status == "issued"
    response = operator.post(detail, {"post": "yes"})

    assert response.status_code == 302
    assert sorted(
        TrackingNumber.objects.filter(status="used").values_list("pk", flat=True)
    ) == sorted([issued[0].pk, issued[1].pk])


def test_void_from_the_detail_page_with_a_reason(operator, issued):
    url = reverse("admin:tracking_trackingnumber_void_detail", args=[issued[0].pk])

    empty = operator.post(url, {"reason": ""})
    done = operator.post(url, {"reason": "returned to sender"})

    assert empty.context["form"].errors == {"reason": [VOID_REASON_REQUIRED]}
    assert done.status_code == 302
    issued[0].refresh_from_db()
    assert (issued[0].status, issued[0].void_reason) == ("void", "returned to sender")


def test_the_detail_page_shows_who_and_is_read_only(operator, operator_user, issued):
    _action(operator, "void_selected", issued[:1], post="yes", reason="damaged")

    page = operator.get(
        reverse("admin:tracking_trackingnumber_change", args=[issued[0].pk])
    )
    body = page.content.decode()

    assert page.status_code == 200
    assert "olga" in body
    assert "damaged" in body
    assert 'name="number"' not in body
    posted = operator.post(
        reverse("admin:tracking_trackingnumber_change", args=[issued[0].pk]),
        {"number": "XX"},
    )
    assert posted.status_code == 403


def test_a_viewer_cannot_void_or_mark_used(viewer, issued):
    _action(viewer, "void_selected", issued[:1], post="yes", reason="x")
    _action(viewer, "mark_used_selected", issued[:1])
    url = reverse("admin:tracking_trackingnumber_void_detail", args=[issued[0].pk])

    assert viewer.post(url, {"reason": "x"}).status_code == 403
    assert set(TrackingNumber.objects.values_list("status", flat=True)) == {"issued"}
