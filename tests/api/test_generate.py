"""POST /tracking/generate/: the contract old and new clients rely on."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.factories import SeriesFactory
from tracking.domain.recognize import recognize
from tracking.messages import COUNT_TOO_LARGE
from tracking.models import TrackingNumber

URL = "/tracking/generate/"


def test_a_bare_post_issues_one_number_from_the_default_series(api):
    response = api.post(URL)
    assert response.status_code == 201
    body = response.json()
    # The original spec's fields stay.
    assert isinstance(body["id"], int)
    assert uuid.UUID(body["uuid"])
    assert re.match(r"\d{4}-\d\d-\d\dT", body["created_at"])
    assert body["series"] == "default"
    assert body["status"] == "issued"
    assert re.fullmatch(r"TN\d{11}", body["tracking_number"])
    stored = TrackingNumber.objects.get(pk=body["id"])
    assert stored.number == body["tracking_number"]
    assert str(stored.uuid) == body["uuid"]


def test_consecutive_posts_give_increasing_distinct_numbers(api):
    numbers = [api.post(URL).json()["tracking_number"] for _ in range(5)]
    assert len(set(numbers)) == 5
    assert numbers == sorted(numbers)


def test_count_returns_a_results_list(api):
    response = api.post(URL, {"count": 25, "reference": "ORDER-7"}, format="json")
    assert response.status_code == 201
    results = response.json()["results"]
    assert len(results) == 25
    assert len({r["tracking_number"] for r in results}) == 25
    assert {r["reference"] for r in results} == {"ORDER-7"}
    assert TrackingNumber.objects.filter(reference="ORDER-7").count() == 25


def test_s10_series_issues_numbers_the_standard_accepts(admin_api, s10_series):
    response = admin_api.post(URL, {"series": "rb-gb", "count": 3}, format="json")
    assert response.status_code == 201
    numbers = [r["tracking_number"] for r in response.json()["results"]]
    assert numbers[0] == "RB123456785GB"
    for number in numbers:
        assert "s10" in recognize(number)


def test_sscc_series_issues_numbers_the_standard_accepts(admin_api, sscc_series):
    response = admin_api.post(URL, {"series": "pallets"}, format="json")
    assert response.status_code == 201
    number = response.json()["tracking_number"]
    assert number == "306141410000000006"
    assert recognize(number) == ["sscc18"]


def test_metadata_is_stored(api):
    response = api.post(URL, {"metadata": {"order": "A-1", "weight": 2}}, format="json")
    assert response.status_code == 201
    stored = TrackingNumber.objects.get(pk=response.json()["id"])
    assert stored.metadata == {"order": "A-1", "weight": 2}


# Bad input: a 4xx that names the field and says what to fix; no rows left.


def test_a_count_over_the_limit_points_to_batches(api):
    response = api.post(URL, {"count": 5000}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["count"] == [COUNT_TOO_LARGE.format(max=1000)]
    assert "POST /tracking/batches/" in COUNT_TOO_LARGE


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"count": 0}, "count", "greater than or equal to 1"),
        ({"count": 1001}, "count", "less than or equal to 1000"),
        ({"count": "many"}, "count", "Must be a whole number"),
        ({"count": "5"}, "count", "Must be a whole number"),
        ({"count": 2.5}, "count", "Must be a whole number"),
        ({"count": True}, "count", "Must be a whole number"),
        ({"series": 7}, "series", "Must be a string."),
        ({"metadata": None}, "metadata", "may not be null"),
        ({"metadata": [1, 2]}, "metadata", "JSON object"),
        ({"reference": "x" * 101}, "reference", "no more than 100"),
    ],
)
def test_it_rejects_bad_fields(api, body, field, fragment):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert field in data["errors"]
    assert fragment in " ".join(data["errors"][field])
    assert fragment in data["detail"]
    assert TrackingNumber.objects.count() == 0


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_it_rejects_malformed_bodies(api, raw):
    response = api.generic("POST", URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert "JSON object" in response.json()["detail"]
    assert TrackingNumber.objects.count() == 0


def test_it_rejects_a_missing_token(client, default_series):
    response = client.post(URL)
    assert response.status_code == 401
    assert "Authorization: Token" in response.json()["detail"]


def test_it_rejects_a_wrong_token(client, default_series):
    response = client.post(URL, HTTP_AUTHORIZATION="Token wrong")
    assert response.status_code == 401
    assert "Invalid or inactive API token" in response.json()["detail"]


def test_it_forbids_a_series_not_granted(api, s10_series):
    response = api.post(URL, {"series": "rb-gb"}, format="json")
    assert response.status_code == 403
    assert "may not use series 'rb-gb'" in response.json()["errors"]["series"][0]


def test_a_client_granted_series_uses_them(make_client, s10_series):
    _, http = make_client("gb-post", series_codes=["rb-gb"])
    assert http.post(URL, {"series": "rb-gb"}, format="json").status_code == 201


def test_an_inactive_series_is_refused(admin_api, s10_series):
    s10_series.active = False
    s10_series.save()
    response = admin_api.post(URL, {"series": "rb-gb"}, format="json")
    assert response.status_code == 404
    assert "not active" in response.json()["detail"]


def test_an_exhausted_series_answers_409_and_never_wraps(admin_api):
    SeriesFactory(code="tiny", prefix="T", serial_width=2, start=97)
    issued = admin_api.post(URL, {"series": "tiny", "count": 3}, format="json")
    assert issued.status_code == 201
    response = admin_api.post(URL, {"series": "tiny"}, format="json")
    assert response.status_code == 409
    assert "Series 'tiny' cannot issue 1 number: only 0" in response.json()["detail"]
    # A request larger than what is left reserves nothing.
    assert TrackingNumber.objects.filter(series__code="tiny").count() == 3
    assert [n.number for n in TrackingNumber.objects.order_by("serial")] == [
        "T97",
        "T98",
        "T99",
    ]


def test_an_oversized_request_reserves_nothing(admin_api):
    SeriesFactory(code="small", prefix="S", serial_width=1)
    response = admin_api.post(URL, {"series": "small", "count": 11}, format="json")
    assert response.status_code == 409
    assert (
        admin_api.post(URL, {"series": "small", "count": 10}, format="json").status_code
        == 201
    )


def test_the_fast_renderer_matches_the_documented_serializer(api):
    from tracking.api.serializers import (
        TrackingNumberOutputSerializer,
        tracking_number_data,
    )

    api.post(URL, {"count": 2, "metadata": {"a": 1}}, format="json")
    number = TrackingNumber.objects.first()
    number.void_reason = "x"
    from django.utils import timezone

    number.voided_at = timezone.now()
    assert tracking_number_data(number) == TrackingNumberOutputSerializer(number).data


@pytest.mark.parametrize("field", ["number", "status", "uuid", "refernce"])
def test_it_refuses_fields_a_client_may_not_set(api, field):
    response = api.post(URL, {field: "X"}, format="json")
    assert response.status_code == 400
    message = response.json()["errors"][field][0]
    assert message == (
        "Unknown field. Fields you may send: count, metadata, reference, series."
    )
    assert TrackingNumber.objects.count() == 0


def test_lone_surrogates_are_refused_not_a_500(api):
    body = '{"reference": "\\ud800", "metadata": {"k\\udc00": "v"}}'
    response = api.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"reference", "metadata"}
    assert "not valid Unicode" in errors["reference"][0]
    assert TrackingNumber.objects.count() == 0


def test_null_characters_in_metadata_are_refused_not_a_500(api):
    body = '{"metadata": {"a": "x\\u0000y"}}'
    response = api.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["metadata"] == [
        "Null characters (\\u0000) are not allowed."
    ]


def test_an_unknown_series_is_404_naming_it(api):
    response = api.post(URL, {"series": "nope"}, format="json")
    assert response.status_code == 404
    assert "Unknown series 'nope'" in response.json()["errors"]["series"][0]
