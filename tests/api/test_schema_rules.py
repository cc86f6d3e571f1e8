"""The OpenAPI schema states what the API accepts and how it refuses."""

from __future__ import annotations

import itertools
import re

import jsonschema_rs
import pytest

from tests.api import fuzz_hooks


@pytest.fixture
def schema(client, db):
    return client.get("/api/schema/?format=json").json()


def test_request_strings_refuse_nul_and_required_ones_blank(schema):
    series = schema["components"]["schemas"]["SeriesCustomRequest"]["properties"]
    name = re.compile(series["name"]["pattern"])
    assert name.search("Parcels")
    assert not name.search("   ")
    assert not name.search("Par\x00cels")
    prefix = re.compile(series["prefix"]["pattern"])
    assert prefix.search("")
    assert not prefix.search("T\x00N")
    numbers = schema["paths"]["/tracking/numbers/"]["get"]["parameters"]
    (number_prefix,) = [p for p in numbers if p["name"] == "number_prefix"]
    assert not re.search(number_prefix["schema"]["pattern"], "TN\x00")


def test_a_required_string_is_blank_in_the_schema_as_the_server_trims_it(schema):
    # DRF trims with str.strip(), whose white space is not JSON Schema's \s:
    # a scanner's group separator (\x1d) is trimmed, a BOM (\ufeff) is not.
    series = schema["components"]["schemas"]["SeriesCustomRequest"]["properties"]
    name = jsonschema_rs.Draft202012Validator(
        {"type": "string", "pattern": series["name"]["pattern"]}
    )
    for char in map(chr, [*range(0x3001), 0xFEFF]):
        sent = char * 2
        assert name.is_valid(sent) == (sent.strip() != "" and char != "\x00"), hex(
            ord(char)
        )


def test_404_and_409_are_documented_where_they_happen(schema):
    paths = schema["paths"]
    assert "404" in paths["/tracking/numbers/"]["get"]["responses"]
    assert {"404", "409"} <= set(paths["/tracking/generate/"]["post"]["responses"])
    assert {"404", "409"} <= set(paths["/tracking/batches/"]["post"]["responses"])
    assert "409" in paths["/tracking/series/{code}/"]["patch"]["responses"]
    # zip on a number that is not USPS IMpb
    for route in ("barcode.png", "barcode.svg", "label.pdf", "label.zpl"):
        assert (
            "409" in paths[f"/tracking/numbers/{{number}}/{route}"]["get"]["responses"]
        )
    created = paths["/tracking/series/"]["post"]["responses"]
    assert "The code is taken" in created["409"]["description"]


def test_names_that_are_blank_after_trimming_are_refused(admin_api):
    response = admin_api.post(
        "/tracking/series/",
        {"code": "blank-name", "name": "   ", "scheme": "uuid"},
        format="json",
    )
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def _validator(schema, name):
    root = {"$ref": f"#/components/schemas/{name}", **schema}
    return jsonschema_rs.Draft202012Validator(root)


_code = itertools.count()

# (body, what the service answers): the schema must agree on each.
SERIES = [
    ({"scheme": "s10", "service_indicator": "RB", "country_code": "GB"}, 201),
    ({"scheme": "s10", "service_indicator": "RB", "country_code": "XK"}, 400),
    ({"scheme": "s10", "service_indicator": "RB"}, 400),
    (
        {
            "scheme": "s10",
            "service_indicator": "RB",
            "country_code": "GB",
            "prefix": "X",
        },
        400,
    ),
    (
        {
            "scheme": "s10",
            "service_indicator": "RB",
            "country_code": "GB",
            "alphabet": "digits",
            "extension_digit": None,
        },
        201,
    ),
    (
        {
            "scheme": "s10",
            "service_indicator": "RB",
            "country_code": "GB",
            "end": 10**8,
        },
        400,
    ),
    ({"scheme": "gsin", "company_prefix": "0614141999", "end": 999_999}, 201),
    ({"scheme": "gsin", "company_prefix": "0614141999", "end": 10**6}, 400),
    ({"scheme": "sscc18", "company_prefix": "0614141"}, 400),
    (
        {
            "scheme": "usps_impb",
            "channel": "93",
            "service_type_code": "001",
            "mailer_id": "912345678",
        },
        400,
    ),
    (
        {
            "scheme": "usps_impb",
            "channel": "92",
            "service_type_code": "001",
            "mailer_id": "912345678",
        },
        201,
    ),
    # A choice is sent as the JSON type of its values: 26, not "26".
    (
        {
            "scheme": "usps_impb",
            "channel": "93",
            "service_type_code": "001",
            "mailer_id": "123456",
            "number_length": 26,
        },
        201,
    ),
    (
        {
            "scheme": "usps_impb",
            "channel": "93",
            "service_type_code": "001",
            "mailer_id": "123456",
            "number_length": "26",
        },
        400,
    ),
    ({"scheme": "custom", "prefix": "{YYYY}{MM}{DD}-AB", "serial_width": 6}, 201),
    ({"scheme": "custom", "prefix": "ABCDEFGHIJKLM"}, 400),
    ({"scheme": "custom", "prefix": "{YY}", "alphabet": "base32"}, 400),
    ({"scheme": "custom", "prefix": "{YY}", "mode": "scrambled"}, 400),
    ({"scheme": "custom", "check": "luhn", "alphabet": "base32"}, 400),
    ({"scheme": "custom", "timezone": "Mars/Olympus"}, 400),
    # The largest serial per alphabet and width: 10**w - 1 or 32**w - 1.
    ({"scheme": "custom", "prefix": "QX", "serial_width": 4, "end": 9999}, 201),
    ({"scheme": "custom", "prefix": "QX", "serial_width": 4, "end": 10**4}, 400),
    ({"scheme": "custom", "prefix": "QX", "start": 10**10 - 1}, 201),
    ({"scheme": "custom", "prefix": "QX", "start": 10**10}, 400),
    (
        {"scheme": "custom", "prefix": "QX", "alphabet": "base32", "serial_width": 2}
        | {"end": 32**2 - 1},
        201,
    ),
    (
        {"scheme": "custom", "prefix": "QX", "alphabet": "base32", "serial_width": 2}
        | {"end": 32**2},
        400,
    ),
    (
        {"scheme": "custom", "prefix": "QX", "alphabet": "base32", "end": 10**10},
        201,
    ),
    ({"scheme": "custom", "timezone": "Europe/Berlin", "start": -1}, 400),
]


@pytest.mark.parametrize(("fields", "status"), SERIES)
def test_the_series_schema_accepts_what_the_service_accepts(
    schema, admin_api, fields, status
):
    body = {"code": f"schema-{next(_code)}", "name": "Parcels", **fields}
    valid = _validator(schema, "SeriesRequest").is_valid(body)
    response = admin_api.post("/tracking/series/", body, format="json")
    assert response.status_code == status, response.json()
    assert valid == (status == 201)


# A counter reset needs the tokens that tell its periods apart (46 smallest
# sets, some per fiscal start month): the schema says so in words, and the
# fuzzer leaves out what the service refuses, exactly.
RESETS = [
    ({"prefix": "{YYYY}{WW}", "counter_reset": "weekly"}, 400),
    ({"prefix": "{YY}", "suffix": "{JJJ}", "counter_reset": "weekly"}, 201),
    ({"prefix": "{YYYY}", "counter_reset": "yearly", "fiscal_start_month": 4}, 400),
    ({"prefix": "{FY}", "counter_reset": "yearly", "fiscal_start_month": 4}, 201),
    ({"suffix": "{MM}", "prefix": "{FY}", "counter_reset": "monthly"}, 201),
    ({"prefix": "{MM}", "counter_reset": "monthly"}, 400),
]


@pytest.mark.parametrize(("fields", "status"), RESETS)
def test_the_fuzzer_leaves_out_exactly_the_counter_resets_the_service_refuses(
    schema, admin_api, fields, status
):
    body = {"code": f"reset-{next(_code)}", "name": "Parcels", "scheme": "custom"}
    body |= {"serial_width": 6, "accept_carrier_overlap": True, **fields}
    assert _validator(schema, "SeriesRequest").is_valid(body)
    response = admin_api.post("/tracking/series/", body, format="json")
    assert response.status_code == status, response.json()
    assert fuzz_hooks._tokens_miss_periods(body) == (status == 400)
    described = schema["components"]["schemas"]["SeriesCustomRequest"]
    assert (
        "weekly: {YYYY}{MM}{DD} or {YYYY}{JJJ}"
        in (described["properties"]["counter_reset"]["description"])
    )


@pytest.mark.parametrize(
    ("start", "end", "left_out"),
    [(28022.0, 1, True), (2, 1.0, True), (1.0, 1, False), (0, 5, False)],
)
def test_the_fuzzer_leaves_out_a_start_past_the_end_however_written(
    start, end, left_out
):
    assert fuzz_hooks._starts_past_end({"start": start, "end": end}) == left_out


@pytest.mark.parametrize(
    "metadata",
    [{"a": [{"b": "\x00"}]}, {"a": {"\x00": 1}}],
)
def test_metadata_with_nul_at_any_depth_is_refused_by_schema_and_service(
    schema, api, metadata
):
    body = {"metadata": metadata}
    assert not _validator(schema, "GenerateInputRequest").is_valid(body)
    assert api.post("/tracking/generate/", body, format="json").status_code == 400
    assert _validator(schema, "GenerateInputRequest").is_valid(
        {"metadata": {"a": [{"b": "ok", "c": None}]}}
    )


def test_an_end_past_the_stored_series_format_is_a_conflict(admin_api, s10_series):
    response = admin_api.patch(
        f"/tracking/series/{s10_series.code}/", {"end": 10**8}, format="json"
    )
    assert response.status_code == 409
    assert "largest serial is 99999999" in response.json()["errors"]["end"][0]


def test_a_whole_number_written_with_a_fraction_part_is_an_integer(api):
    # JSON Schema 2020-12 (OpenAPI 3.1): 2.0 is the integer 2; 2.5 is not.
    response = api.post("/tracking/generate/", {"count": 2.0}, format="json")
    assert response.status_code == 201
    assert len(response.json()["results"]) == 2
    refused = api.post("/tracking/generate/", {"count": 2.5}, format="json")
    assert refused.status_code == 400


def test_every_parameter_default_is_a_value_its_schema_allows(schema):
    parameters = [
        p
        for item in schema["paths"].values()
        for operation in item.values()
        for p in operation.get("parameters", [])
        if "default" in p["schema"]
    ]
    assert len(parameters) >= 5
    for p in parameters:
        assert jsonschema_rs.is_valid(p["schema"], p["schema"]["default"]), p


def test_every_operation_whose_url_a_client_fills_documents_414(schema):
    operations = [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if {p["in"] for p in operation.get("parameters", [])} & {"path", "query"}
    ]
    assert len(operations) >= 15
    for method, path, operation in operations:
        assert "414" in operation["responses"], (method, path)
