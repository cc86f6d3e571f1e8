"""Clear answers to wrong requests: JSON that says what to do, never a
debug page, an ignored mistake or a misleading status."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import override_settings

from tracking import services
from tracking.messages import (
    BATCH_NOT_FINISHED,
    BODY_NOT_JSON,
    CURSOR_INVALID,
    NOT_FOUND,
    NOT_FOUND_SLASH,
    NUMBER_WRONG_CHECK,
    PARAMETER_REPEATED,
    SERIES_CODE_TAKEN,
    UNKNOWN_PARAMETER,
)
from tracking.models import Batch
from tracking.services import series_ensure_default


@override_settings(DEBUG=True)  # as `make run` serves
@pytest.mark.parametrize(
    ("method", "path", "detail"),
    [
        ("get", "/tracking/nope/", NOT_FOUND.format(path="/tracking/nope/")),
        ("get", "/api/nope", NOT_FOUND.format(path="/api/nope")),
        (
            "post",
            "/tracking/generate",
            NOT_FOUND_SLASH.format(path="/tracking/generate"),
        ),
    ],
)
def test_unknown_api_paths_answer_json_even_with_debug_on(api, method, path, detail):
    response = getattr(api, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}


@override_settings(DEBUG=True)
def test_the_root_points_to_the_portal_and_the_api_docs(client, db):
    response = client.get("/")
    assert response.status_code == 200
    body = response.json()
    assert (body["portal"], body["api_docs"]) == ("/admin/", "/api/docs/")
    assert client.get(body["api_docs"]).status_code == 200


def test_the_login_page_has_no_link_to_a_site_outside_the_portal(client, db):
    page = client.get("/admin/login/").content.decode()
    assert "Return to site" not in page


def test_an_unknown_filter_is_refused_naming_the_valid_ones(api):
    response = api.get("/tracking/numbers/", {"refrence": "ORDER-42"})
    assert response.status_code == 400
    message = response.json()["errors"]["refrence"][0]
    assert message == UNKNOWN_PARAMETER.format(
        allowed="created_after, created_before, cursor, number_prefix, "
        "page_size, reference, series, status"
    )


def _query_operations(client) -> list[tuple[str, list[str]]]:
    """Each GET with query parameters: its path (ids filled in) and their names."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    found = []
    for path, item in schema["paths"].items():
        parameters = item.get("get", {}).get("parameters", [])
        names = [p["name"] for p in parameters if p["in"] == "query"]
        if names:
            filled = re.sub(r"\{[a-z_]+\}", "1", path)
            found.append((filled, names))
    return found


def test_a_query_parameter_given_twice_is_refused_naming_it(api, client):
    operations = _query_operations(client)
    assert len(operations) >= 9
    for path, names in operations:
        for name in names:
            response = api.get(f"{path}?{name}=1&{name}=1")
            assert response.status_code == 400, (path, name)
            assert response.json()["errors"] == {
                name: [PARAMETER_REPEATED.format(name=name)]
            }


def test_every_operation_with_query_parameters_refuses_unknown_ones(api, client):
    for path, names in _query_operations(client):
        response = api.get(path, {"zp": "20500"})
        assert response.status_code == 400, path
        assert response.json()["errors"] == {
            "zp": [UNKNOWN_PARAMETER.format(allowed=", ".join(sorted(names)))]
        }


# "%%%" and "!!!!" decode to nothing in lenient base64: DRF serves them the
# first page, and a client walking pages would read it again for ever.
@pytest.mark.parametrize("path", ["/tracking/numbers/", "/tracking/batches/"])
@pytest.mark.parametrize("cursor", ["garbage", "%%%", "!!!!", "þm"])
def test_an_invalid_cursor_is_no_such_page(api, path, cursor):
    response = api.get(path, {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["errors"] == {"cursor": [CURSOR_INVALID]}


def test_a_form_encoded_body_is_415_saying_to_send_json(api):
    response = api.post(
        "/tracking/generate/",
        "count=5",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.json() == {
        "detail": BODY_NOT_JSON.format(sent="application/x-www-form-urlencoded")
    }
    assert "send Content-Type: application/json" in response.json()["detail"]


def test_every_operation_with_a_body_documents_415(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    with_body = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    assert len(with_body) >= 5
    for path, method, operation in with_body:
        assert "415" in operation["responses"], (method, path)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            '{"count": 5,}',
            "The request body is not valid JSON (expecting property name "
            "enclosed in double quotes at line 1, column 13); send a JSON "
            'object such as {"count": 10}.',
        ),
        (
            '{"count": NaN}',
            "The request body is not valid JSON (Out of range float values "
            "are not JSON compliant: 'NaN'); send a JSON object such as "
            '{"count": 10}.',
        ),
    ],
)
def test_a_malformed_json_body_reads_as_one_sentence(api, body, detail):
    response = api.post("/tracking/generate/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert len(re.findall(r"[.;] [A-Z]", detail)) == 0


def test_the_csv_of_an_unfinished_batch_is_409_saying_so(admin_api, db):
    # A batch as batch_create leaves it before its run starts.
    batch = Batch.objects.create(
        series=series_ensure_default(), quantity=10, first_serial=1
    )
    response = admin_api.get(f"/tracking/batches/{batch.pk}/numbers.csv")
    assert response.status_code == 409
    assert response.json() == {
        "detail": BATCH_NOT_FINISHED.format(
            id=batch.pk, status="pending", done=0, quantity=10
        )
    }


def test_series_codes_ignore_case_in_lookups_and_uniqueness(admin_api):
    created = admin_api.post(
        "/tracking/series/",
        {
            "code": "RB-GB",
            "name": "Registered GB",
            "scheme": "s10",
            "service_indicator": "RB",
            "country_code": "GB",
        },
    )
    assert created.status_code == 201, created.json()
    assert created.json()["code"] == "rb-gb"
    again = admin_api.post(
        "/tracking/series/",
        {
            "code": "Rb-Gb",
            "name": "Again",
            "scheme": "s10",
            "service_indicator": "RC",
            "country_code": "GB",
        },
    )
    # A taken code conflicts with stored state: 409, said on the field.
    assert again.status_code == 409
    assert again.json()["errors"] == {"code": [SERIES_CODE_TAKEN.format(code="rb-gb")]}
    assert admin_api.get("/tracking/series/RB-GB/").json()["code"] == "rb-gb"
    issued = admin_api.post("/tracking/generate/", {"series": "rB-gB"})
    assert issued.status_code == 201
    assert issued.json()["series"] == "rb-gb"
    found = admin_api.get("/tracking/numbers/", {"series": "RB-GB"}).json()
    assert [n["tracking_number"] for n in found["results"]] == [
        issued.json()["tracking_number"]
    ]


def test_validate_names_a_wrong_check_digit_as_such(admin_api, s10_series):
    # RB123456785GB is the series' first number; 4 is a typo for 5.
    response = admin_api.post(
        "/tracking/validate/", {"tracking_number": "RB123456784GB"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert body["errors"] == [
        NUMBER_WRONG_CHECK.format(code="rb-gb", error="check digit is 4, expected 5")
    ]


def test_a_lookup_with_a_wrong_check_digit_says_so(admin_api, s10_series):
    response = admin_api.get("/tracking/numbers/RB123456784GB/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": NUMBER_WRONG_CHECK.format(
            code="rb-gb", error="check digit is 4, expected 5"
        )
    }


@pytest.mark.django_db(transaction=True)
def test_one_code_created_twice_at_once_is_one_201_and_one_409(admin_api, monkeypatch):
    # Both requests pass validation before either saves (the barrier): the
    # second learns of the first only when it saves.
    validated = threading.Barrier(2, timeout=5)
    save = services.series_save

    def save_after_both_validated(**kwargs):
        validated.wait()
        return save(**kwargs)

    monkeypatch.setattr(services, "series_save", save_after_both_validated)
    admin_api.raise_request_exception = False

    def create(indicator: str) -> tuple[int, dict]:
        body = {
            "code": "race",
            "name": "Race",
            "scheme": "s10",
            "service_indicator": indicator,
            "country_code": "GB",
        }
        try:
            response = admin_api.post("/tracking/series/", body, format="json")
            return response.status_code, response.json()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(create, ["RA", "RB"], timeout=30))
    assert sorted(status for status, _ in statuses) == [201, 409], statuses
    refused = next(body for status, body in statuses if status == 409)
    assert refused["errors"] == {"code": [SERIES_CODE_TAKEN.format(code="race")]}


# Python's int() reads " 4", "4\u00a0", "1_0", "٣" and "²"-like digits; a query
# integer is ASCII digits only, as the schema's integer type says.
@pytest.mark.parametrize("raw", ["\u00a04", "4 ", "1_0", "\u0663", "\u00b2", "4.0"])
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/tracking/series/default/preview/", "count"),
        ("/tracking/numbers/", "page_size"),
        ("/tracking/batches/", "page_size"),
    ],
)
def test_a_query_integer_is_ascii_digits_only(api, path, name, raw):
    response = api.get(path, {name: raw})

    assert response.status_code == 400
    assert name in response.json()["errors"]
