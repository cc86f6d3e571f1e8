"""Reading, searching, voiding and validating numbers through the API."""

from __future__ import annotations

import pytest

from tracking.models import TrackingNumber

GEN = "/tracking/generate/"


def _issue(http, **body):
    return http.post(GEN, {"count": 1, **body}, format="json").json()["results"][0]


def test_a_client_reads_its_number_with_spaces_and_lower_case(api):
    number = _issue(api)["tracking_number"]
    messy = " " + number.lower()[:5] + " " + number.lower()[5:] + " "
    response = api.get(f"/tracking/numbers/{messy}/")
    assert response.status_code == 200
    assert response.json()["tracking_number"] == number


def test_another_clients_number_is_404(make_client):
    _, one = make_client("one")
    _, two = make_client("two")
    number = _issue(one)["tracking_number"]
    response = two.get(f"/tracking/numbers/{number}/")
    assert response.status_code == 404
    assert number in response.json()["detail"]
    assert (
        two.post(
            f"/tracking/numbers/{number}/void/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )


def test_a_series_administrator_sees_every_number(make_client, admin_api):
    _, one = make_client("one")
    number = _issue(one)["tracking_number"]
    assert admin_api.get(f"/tracking/numbers/{number}/").status_code == 200


def test_list_filters_by_reference_prefix_and_status(api):
    for ref in ["A", "A", "B"]:
        _issue(api, reference=ref)
    assert len(api.get("/tracking/numbers/?reference=A").json()["results"]) == 2
    first = TrackingNumber.objects.order_by("id").first().number
    by_prefix = api.get(f"/tracking/numbers/?number_prefix={first[:-1].lower()}")
    assert first in [r["tracking_number"] for r in by_prefix.json()["results"]]
    assert api.get("/tracking/numbers/?status=void").json()["results"] == []


def test_list_pages_with_a_cursor(api):
    api.post(GEN, {"count": 30}, format="json")
    page = api.get("/tracking/numbers/?page_size=20").json()
    assert len(page["results"]) == 20
    rest = api.get(page["next"]).json()
    assert len(rest["results"]) == 10
    seen = {r["tracking_number"] for r in page["results"] + rest["results"]}
    assert len(seen) == 30


def test_bad_filter_values_are_400(api):
    response = api.get("/tracking/numbers/?status=lost&created_after=yesterday")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "created_after"}


def test_void_needs_a_reason_and_happens_once(api):
    number = _issue(api)["tracking_number"]
    url = f"/tracking/numbers/{number}/void/"
    missing = api.post(url, {}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()["errors"]
    done = api.post(url, {"reason": "label damaged"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "void"
    assert done.json()["void_reason"] == "label damaged"
    again = api.post(url, {"reason": "again"}, format="json")
    assert again.status_code == 409
    assert "already void" in again.json()["detail"]


def test_validate_recognises_standard_formats_and_our_series(api):
    ours = _issue(api)["tracking_number"]
    response = api.post("/tracking/validate/", {"tracking_number": f" {ours.lower()} "})
    body = response.json()
    assert response.status_code == 200
    assert body == {
        "tracking_number": ours,
        "valid": True,
        "formats": [],
        "matches": [],
        "issued": True,
        "series": "default",
        "errors": [],
    }
    s10 = api.post("/tracking/validate/", {"tracking_number": "RB 123456785 GB"}).json()
    assert s10["valid"] is True
    assert s10["formats"] == ["s10"]
    assert s10["issued"] is None
    ups = api.post("/tracking/validate/", {"tracking_number": "1Z999AA10123456784"})
    assert ups.json()["formats"] == ["ups1z"]


def test_validate_hides_other_clients_series_and_numbers(
    make_client, admin_api, s10_series
):
    _, owner = make_client("owner")
    _, other = make_client("other")
    mine = owner.post("/tracking/generate/").json()["tracking_number"]
    theirs = admin_api.post(
        "/tracking/generate/", {"series": "rb-gb"}, format="json"
    ).json()["tracking_number"]
    never = "EE123456785US"  # an S10 number of no series here

    def validate(http, number):
        return http.post("/tracking/validate/", {"tracking_number": number}).json()

    assert validate(owner, mine)["issued"] is True
    # Another client's number answers exactly as a number nobody holds.
    as_other = validate(other, mine)
    assert (as_other["issued"], as_other["series"]) == (None, "default")
    assert validate(other, never)["issued"] is None
    # A number of a series the caller may not use answers as an S10
    # number of no series here: the series is not named.
    hidden, unknown = validate(owner, theirs), validate(owner, never)
    del hidden["tracking_number"], unknown["tracking_number"]
    assert (
        hidden
        == unknown
        == {
            "valid": True,
            "formats": ["s10"],
            "matches": [
                {"format": "s10", "label": "UPU S10", "confidence": "verified"}
            ],
            "issued": None,
            "series": None,
            "errors": [],
        }
    )
    assert validate(admin_api, theirs)["series"] == "rb-gb"
    assert validate(admin_api, never)["issued"] is False


def test_validate_reports_a_typo(api):
    ours = _issue(api)["tracking_number"]
    typo = ours[:-1] + str((int(ours[-1]) + 1) % 10)
    body = api.post("/tracking/validate/", {"tracking_number": typo}).json()
    assert body["valid"] is False
    assert body["series"] is None
    assert body["errors"]


def test_unknown_api_paths_answer_json_404(api):
    response = api.get("/tracking/nowhere/")
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "No such endpoint: /tracking/nowhere/. The API is described at /api/docs/."
    )


def test_a_bad_page_size_is_400_not_ignored(api):
    for value in ["0", "1001", "ten", ""]:
        response = api.get(f"/tracking/numbers/?page_size={value}")
        assert response.status_code == 400, value
        assert response.json()["errors"]["page_size"] == [
            "Use a page_size from 1 to 1000."
        ]


def test_date_bounds_in_any_utc_offset_and_empty_ones_refused(api):
    _issue(api)
    far = api.get("/tracking/numbers/?created_before=1136-02-29T18:51:04-16:08")
    assert far.status_code == 200
    assert far.json()["results"] == []
    empty = api.get("/tracking/numbers/?created_before=")
    assert empty.status_code == 400
    assert empty.json()["errors"]["created_before"] == [
        "This parameter may not be empty."
    ]


@pytest.mark.parametrize(
    ("bound", "matches_all"),
    [
        # Before year 1 in UTC: earlier than every number.
        ("created_after=0001-01-01T00:00:00%2B04:20", True),
        ("created_before=0001-01-01T00:00:00%2B04:20", False),
        # After year 9999 in UTC: later than every number.
        ("created_after=9999-12-31T23:00:00-05:00", False),
        ("created_before=9999-12-31T23:00:00-05:00", True),
    ],
)
def test_a_bound_beyond_the_calendar_in_utc_is_still_a_bound(api, bound, matches_all):
    issued = {_issue(api)["tracking_number"], _issue(api)["tracking_number"]}
    response = api.get(f"/tracking/numbers/?{bound}")
    assert response.status_code == 200, response.json()
    found = {n["tracking_number"] for n in response.json()["results"]}
    assert found == (issued if matches_all else set())


def test_max_length_counts_what_was_sent_not_the_trimmed_text(api):
    sent = "\u001d" + "A" * 64  # 65 characters; DRF would trim the first
    response = api.post("/tracking/validate/", {"tracking_number": sent})
    assert response.status_code == 400
    assert response.json()["errors"]["tracking_number"] == [
        "Ensure this field has no more than 64 characters."
    ]


SCANS = [
    "00306141410000000006",
    "]C100306141410000000006",
    "\x1d00306141410000000006",
    "(00)306141410000000006",
]


def test_a_scanned_sscc_is_read_and_validated_as_issued(admin_api, sscc_series):
    from urllib.parse import quote

    number = _issue(admin_api, series="pallets")["tracking_number"]
    assert number == "306141410000000006"
    for scan in SCANS:
        read = admin_api.get(f"/tracking/numbers/{quote(scan)}/")
        assert read.status_code == 200, scan
        assert read.json()["tracking_number"] == number
        checked = admin_api.post(
            "/tracking/validate/", {"tracking_number": scan}, format="json"
        ).json()
        assert (checked["valid"], checked["issued"]) == (True, True), scan
        assert checked["series"] == "pallets"
