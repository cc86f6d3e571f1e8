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


def _post_bad_s10(api, *, code: str):
    """An S10 series with a bad service indicator and an unknown country."""
    body = {"code": code, "name": "x", "scheme": "s10"}
    body |= {"service_indicator": "R1", "country_code": "XX"}
    return api.post("/tracking/series/", body, format="json")


def test_series_parameters_are_checked_per_field(admin_api):
    response = _post_bad_s10(admin_api, code="Bad Code")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "code" in errors
    assert not Series.objects.filter(name="x").exists()


def test_scheme_parameter_errors_name_the_field(admin_api):
    response = _post_bad_s10(admin_api, code="s1")
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


def test_a_series_that_could_repeat_anothers_numbers_is_refused(admin_api):
    # The default series prints TN + 10 digits + Luhn; 11 digits after TN
    # could print the same strings.
    response = admin_api.post(
        "/tracking/series/",
        {
            "code": "tn-11",
            "name": "x",
            "scheme": "custom",
            "prefix": "TN",
            "serial_width": 11,
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["errors"]["scheme"] == [
        "Numbers of this series could equal numbers of series 'default'. Use a "
        "different prefix, suffix or length, or a serial range that does not "
        "overlap 'default''s (0..9999999999)."
    ]


def test_the_same_format_with_a_disjoint_range_is_allowed(admin_api, s10_series):
    # rb-gb covers 12345678..99999999; a second RB..GB block below it is fine.
    body = {
        "name": "x",
        "scheme": "s10",
        "service_indicator": "RB",
        "country_code": "GB",
    }
    clash = admin_api.post(
        "/tracking/series/",
        {**body, "code": "rb-2", "start": 0, "end": 12345678},
        format="json",
    )
    assert clash.status_code == 409
    ok = admin_api.post(
        "/tracking/series/",
        {**body, "code": "rb-3", "start": 0, "end": 12345677},
        format="json",
    )
    assert ok.status_code == 201, ok.json()


def test_fields_that_do_not_apply_to_the_scheme_are_refused(admin_api):
    from tracking.messages import SERIES_FIELD_NOT_APPLICABLE

    s10 = {
        "code": "rb-gb",
        "name": "Registered GB",
        "scheme": "s10",
        "service_indicator": "RB",
        "country_code": "GB",
    }
    for extra in ({"prefix": "X"}, {"check": "luhn"}, {"alphabet": "base32"}):
        response = admin_api.post("/tracking/series/", s10 | extra, format="json")
        assert response.status_code == 400, extra
        (field,) = extra
        message = SERIES_FIELD_NOT_APPLICABLE.format(scheme="UPU S10 (postal item)")
        assert message in str(response.json()["errors"][field]), response.json()
    assert not Series.objects.filter(code="rb-gb").exists()
    # Left at their defaults they are simply not given, nor shown.
    created = admin_api.post("/tracking/series/", s10, format="json")
    assert created.status_code == 201
    shown = admin_api.get("/tracking/series/rb-gb/").json()
    assert (shown["service_indicator"], shown["country_code"]) == ("RB", "GB")
    for field in ("prefix", "suffix", "check", "alphabet", "company_prefix"):
        assert field not in shown
