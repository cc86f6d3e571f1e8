"""The OpenAPI schema states what the API accepts and how it refuses."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def schema(client, db):
    return client.get("/api/schema/?format=json").json()


def test_request_strings_refuse_nul_and_required_ones_blank(schema):
    series = schema["components"]["schemas"]["SeriesRequest"]["properties"]
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


def test_404_and_409_are_documented_where_they_happen(schema):
    paths = schema["paths"]
    assert "404" in paths["/tracking/numbers/"]["get"]["responses"]
    assert {"404", "409"} <= set(paths["/tracking/generate/"]["post"]["responses"])
    assert {"404", "409"} <= set(paths["/tracking/batches/"]["post"]["responses"])
    assert "409" in paths["/tracking/series/{code}/"]["patch"]["responses"]


def test_names_that_are_blank_after_trimming_are_refused(admin_api):
    response = admin_api.post(
        "/tracking/series/",
        {"code": "blank-name", "name": "   ", "scheme": "uuid"},
        format="json",
    )
    assert response.status_code == 400
    assert "name" in response.json()["errors"]
