"""New formats through the API: IMpb and GSIN series, carrier-aware
validation, and the carrier overlap warning on custom series."""

from __future__ import annotations

from tracking.domain.recognize import recognize
from tracking.domain.usps import MAILER_ID_INVALID
from tracking.messages import CARRIER_OVERLAP, NOT_ASCII
from tracking.models import Series


def _create(admin_api, **fields):
    return admin_api.post(
        "/tracking/series/", {"name": fields["code"], **fields}, format="json"
    )


def _create_impb(admin_api, *, channel: str):
    """An IMpb series ``usps-<channel>``: service type 001, Mailer ID 912345678."""
    return _create(
        admin_api,
        code=f"usps-{channel}",
        scheme="usps_impb",
        channel=channel,
        service_type_code="001",
        mailer_id="912345678",
    )


def test_an_impb_series_issues_22_digit_numbers(admin_api):
    response = _create_impb(admin_api, channel="92")
    assert response.status_code == 201, response.json()
    assert response.json()["capacity"] == 10**7
    number = admin_api.post(
        "/tracking/generate/", {"series": "usps-92"}, format="json"
    ).json()["tracking_number"]
    # Channel, service type, Mailer ID, serial 0, GS1 check digit.
    assert number == "9200191234567800000001"
    assert recognize(number) == ["usps_impb"]
    check = admin_api.post("/tracking/validate/", {"tracking_number": number}).json()
    assert check["series"] == "usps-92"
    assert check["issued"] is True


def test_an_impb_series_refuses_a_mailer_id_of_the_wrong_length(admin_api):
    response = _create_impb(admin_api, channel="93")
    assert response.status_code == 400
    assert response.json()["errors"]["mailer_id"] == [MAILER_ID_INVALID["93"]]
    assert not Series.objects.filter(code="usps-93").exists()


def test_a_gsin_series_issues_17_digit_keys(admin_api):
    response = _create(admin_api, code="gsin", scheme="gsin", company_prefix="0614141")
    assert response.status_code == 201, response.json()
    assert response.json()["example"] == "06141410000000005"
    number = admin_api.post(
        "/tracking/generate/", {"series": "gsin"}, format="json"
    ).json()["tracking_number"]
    assert recognize(number) == ["gsin"]


def test_validate_lists_every_carrier_with_its_confidence(api):
    body = api.post("/tracking/validate/", {"tracking_number": "986578788855"}).json()
    assert body["valid"] is True
    assert body["formats"] == ["fedex_express_12"]
    assert body["matches"] == [
        {
            "format": "fedex_express_12",
            "label": "FedEx Express (12)",
            "confidence": "verified",
        }
    ]
    piece = api.post("/tracking/validate/", {"tracking_number": "JJD0099999999"})
    assert piece.json()["matches"][0]["confidence"] == "pattern"
    strict = api.post(
        "/tracking/validate/",
        {"tracking_number": "JJD0099999999", "strict": True},
        format="json",
    ).json()
    assert strict["valid"] is False
    assert strict["formats"] == []


def test_validate_refuses_non_ascii_letters(api):
    body = api.post(
        "/tracking/validate/", {"tracking_number": "RB123456785U\u017f"}
    ).json()
    assert body["valid"] is False
    assert body["formats"] == []
    assert body["errors"] == [NOT_ASCII.format(position=13, char="\u017f")]


def test_validate_reads_crockford_look_alikes(admin_api):
    crockford = {"alphabet": "base32", "check": "mod37", "start": 32**5 + 32 + 1}
    fields = {"code": "wh", "scheme": "custom", "prefix": "WH", "serial_width": 6}
    response = _create(admin_api, **fields, **crockford)
    assert response.status_code == 201, response.json()
    number = admin_api.post(
        "/tracking/generate/", {"series": "wh"}, format="json"
    ).json()["tracking_number"]
    assert number[2:8] == "100011"
    typed = "wh" + "l0Oo1i" + number[8:]
    body = admin_api.post("/tracking/validate/", {"tracking_number": typed}).json()
    assert body["tracking_number"] == number
    assert body["series"] == "wh"
    assert body["issued"] is True


def test_a_custom_series_a_carrier_would_accept_needs_consent(admin_api):
    fields = {"code": "plain", "scheme": "custom", "serial_width": 10}
    refused = _create(admin_api, **fields)
    assert refused.status_code == 409
    assert refused.json()["errors"]["accept_carrier_overlap"] == [
        CARRIER_OVERLAP.format(formats="DHL Express", example="0000000000")
    ]
    assert not Series.objects.filter(code="plain").exists()
    accepted = _create(admin_api, **fields, accept_carrier_overlap=True)
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["carrier_overlap"] == "DHL Express"
    assert Series.objects.get(code="plain").carrier_overlap == "DHL Express"


def test_a_custom_series_no_carrier_accepts_needs_no_consent(admin_api):
    response = _create(
        admin_api, code="tn2", scheme="custom", prefix="TX", serial_width=10
    )
    assert response.status_code == 201, response.json()
    assert response.json()["carrier_overlap"] == ""
