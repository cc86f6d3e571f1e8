"""USPS IMpb and GS1 GSIN issuance, parameter errors, Crockford reading."""

from __future__ import annotations

import re

import pytest

from tracking.domain.check_digits import gs1_mod10
from tracking.domain.recognize import recognize
from tracking.domain.schemes import (
    CHANNEL_INVALID,
    COMPANY_PREFIX_INVALID,
    FIELD_REQUIRED,
    GSIN_BAD_APPLICATION_IDENTIFIER,
    MAILER_ID_INVALID,
    NUMBER_LENGTH_INVALID,
    SCHEMES,
    SERVICE_TYPE_CODE_INVALID,
    CustomScheme,
    GsinScheme,
    InvalidNumber,
    InvalidSchemeParams,
    UspsImpbScheme,
    build_scheme,
)

IMPB_92 = UspsImpbScheme("92", "001", "912345678")
IMPB_93 = UspsImpbScheme("93", "612", "898787")
IMPB_93_LONG = UspsImpbScheme("93", "612", "898787", number_length=26)
GSIN = GsinScheme("0614141")


@pytest.mark.parametrize(
    ("scheme", "width"),
    [(IMPB_92, 7), (IMPB_93, 10), (IMPB_93_LONG, 14), (GSIN, 9)],
)
def test_serial_fills_the_number_to_its_length(scheme, width: int) -> None:
    assert scheme.max_serial == 10**width - 1
    for serial in (0, 1, 4711, scheme.max_serial):
        number = scheme.format(serial)
        assert len(number) == scheme.length
        assert gs1_mod10(number[:-1]) == number[-1]
        assert scheme.parse(number) == serial


def test_impb_numbers_are_recognized_as_impb() -> None:
    # A jkeen usps_impb_c vector: channel 93, STC 612, MID 898787.
    assert IMPB_93.parse("9361289878700317633795") == 31763379
    for scheme in (IMPB_92, IMPB_93, IMPB_93_LONG):
        assert "usps_impb" in recognize(scheme.format(123))


def test_impb_parse_takes_a_scanned_routing_code() -> None:
    assert IMPB_93.parse("42012345" + "9361289878700317633795") == 31763379
    assert IMPB_93.parse("420123456789" + "9361289878700317633795") == 31763379


def test_gsin_is_a_17_digit_gs1_key_after_ai_402() -> None:
    number = GSIN.format(123456789)
    assert number == "06141411234567890"
    assert recognize(number) == ["gsin"]
    assert GSIN.parse("402" + number) == 123456789
    with pytest.raises(InvalidNumber, match=GSIN_BAD_APPLICATION_IDENTIFIER):
        GSIN.parse("401" + number)


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"channel": "92", "service_type_code": "001", "mailer_id": "123456"},
            {"mailer_id": MAILER_ID_INVALID["92"]},
        ),
        (
            {"channel": "93", "service_type_code": "001", "mailer_id": "912345678"},
            {"mailer_id": MAILER_ID_INVALID["93"]},
        ),
        (
            {"channel": "93", "service_type_code": "001", "mailer_id": "912345"},
            {"mailer_id": MAILER_ID_INVALID["93"]},
        ),
        (
            {"channel": "94", "service_type_code": "01", "mailer_id": "123456"},
            {
                "channel": CHANNEL_INVALID,
                "service_type_code": SERVICE_TYPE_CODE_INVALID,
            },
        ),
        (
            {
                "channel": "92",
                "service_type_code": "001",
                "mailer_id": "912345678",
                "number_length": 30,
            },
            {"number_length": NUMBER_LENGTH_INVALID},
        ),
        (
            {"channel": "", "service_type_code": "001", "mailer_id": "912345678"},
            {"channel": FIELD_REQUIRED},
        ),
    ],
)
def test_impb_refuses_bad_parameters(params: dict, errors: dict) -> None:
    with pytest.raises(InvalidSchemeParams) as raised:
        build_scheme("usps_impb", params)
    assert raised.value.errors == errors


def test_gsin_refuses_a_bad_company_prefix() -> None:
    with pytest.raises(InvalidSchemeParams) as raised:
        build_scheme("gsin", {"company_prefix": "12345"})
    assert raised.value.errors == {"company_prefix": COMPANY_PREFIX_INVALID}


ODD_VALUES = [[], {}, ["digits"], 1.5, True, -1, object(), b"92", ("a",)]


def _odd_id(value) -> str:
    # A bare object's repr carries its address: ids must not change per run.
    return "object()" if type(value) is object else repr(value)


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
@pytest.mark.parametrize("value", ODD_VALUES, ids=_odd_id)
def test_every_bad_parameter_is_reported_not_raised(scheme: str, value) -> None:
    cls = SCHEMES[scheme]
    for name in (*cls.REQUIRED, *cls.DEFAULTS):
        with pytest.raises(InvalidSchemeParams) as raised:
            build_scheme(scheme, {name: value})
        assert raised.value.errors[name]


@pytest.mark.parametrize("value", ODD_VALUES, ids=_odd_id)
def test_an_odd_scheme_name_is_reported(value) -> None:
    with pytest.raises(InvalidSchemeParams, match=re.escape("scheme: Choose one")):
        build_scheme(value, {})


def test_custom_alphabet_list_is_invalid_params() -> None:
    with pytest.raises(InvalidSchemeParams) as raised:
        build_scheme("custom", {"alphabet": []})
    assert raised.value.errors == {"alphabet": "Choose digits or base32."}


def test_crockford_reads_i_and_l_as_one_and_o_as_zero() -> None:
    scheme = CustomScheme(
        prefix="OIL", serial_width=6, alphabet="base32", check="mod37"
    )
    number = scheme.format(32**5 + 32 + 1)
    assert number[3:9] == "100011"
    typed = "OIL" + "I00OLl".upper() + number[9:]
    assert scheme.parse(typed) == 32**5 + 32 + 1
    # The prefix is not read: only the serial is base32.
    with pytest.raises(InvalidNumber, match="prefix is 01L, expected OIL"):
        scheme.parse("01L" + number[3:])
