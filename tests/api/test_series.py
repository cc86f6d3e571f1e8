"""Series administration through the API."""

from __future__ import annotations

from tracking.models import Series


def test_an_admin_client_creates_an_s10_series(admin_api):
    response = admin_api.post(
        "/tracking/series/",
        {
            "code": "rb-gb",
            "name": "Registered GB",
            "scheme": "s10",
            "service_indicator": "RB",
            "country_code": "GB",
            "start": 12345678,
            "mode": "sequential",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["capacity"] == 100_000_000 - 12345678
    assert body["used"] == 0
    assert body["end"] == 99_999_999
    assert body["example"] == "RB123456785GB"
    issued = admin_api.post("/tracking/generate/", {"series": "rb-gb"}, format="json")
    assert issued.json()["tracking_number"] == "RB123456785GB"
    assert admin_api.get("/tracking/series/rb-gb/").json()["used"] == 1


def test_series_parameters_are_checked_per_field(admin_api):
    response = admin_api.post(
        "/tracking/series/",
        {
            "code": "Bad Code",
            "name": "x",
            "scheme": "s10",
            "service_indicator": "R1",
            "country_code": "XX",
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "code" in errors
    assert not Series.objects.filter(name="x").exists()


def test_scheme_parameter_errors_name_the_field(admin_api):
    response = admin_api.post(
        "/tracking/series/",
        {
            "code": "s1",
            "name": "x",
            "scheme": "s10",
            "service_indicator": "R1",
            "country_code": "XX",
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"service_indicator", "country_code"} <= set(errors)


def test_a_range_past_the_scheme_is_refused(admin_api):
    response = admin_api.post(
        "/tracking/series/",
        {"code": "c1", "name": "x", "scheme": "custom", "serial_width": 3, "end": 1000},
        format="json",
    )
    assert response.status_code == 400
    assert "largest serial is 999" in response.json()["errors"]["end"][0]


def test_an_ordinary_client_cannot_create_series(api):
    response = api.post(
        "/tracking/series/",
        {"code": "c1", "name": "x", "scheme": "custom", "serial_width": 3},
        format="json",
    )
    assert response.status_code == 403
    assert "administer series" in response.json()["detail"]


def test_an_ordinary_client_lists_only_series_it_may_use(api, s10_series):
    codes = [s["code"] for s in api.get("/tracking/series/").json()]
    assert codes == ["default"]


def test_fixed_fields_cannot_change(admin_api, s10_series):
    response = admin_api.patch(
        "/tracking/series/rb-gb/", {"country_code": "FR"}, format="json"
    )
    assert response.status_code == 400
    assert "country_code" in response.json()["errors"]
    renamed = admin_api.patch("/tracking/series/rb-gb/", {"name": "New"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "New"
