"""Number formats: round trips, capacities, parse errors, parameter errors."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tracking.domain.schemes import (
    AFFIX_INVALID,
    ALPHABET_INVALID,
    CHECK_INVALID,
    CHECK_NEEDS_DIGITS,
    COMPANY_PREFIX_INVALID,
    COUNTRY_CODE_INVALID,
    EXTENSION_DIGIT_INVALID,
    FIELD_REQUIRED,
    SCHEME_UNKNOWN,
    SERIAL_WIDTH_INVALID,
    SERVICE_INDICATOR_INVALID,
    SSCC_BAD_APPLICATION_IDENTIFIER,
    CustomScheme,
    InvalidNumber,
    InvalidSchemeParams,
    S10Scheme,
    Scheme,
    SSCC18Scheme,
    build_scheme,
    schemes_may_collide,
)

RB_GB = S10Scheme("RB", "GB")
SSCC = SSCC18Scheme(1, "0614141")

SCHEMES: list[Scheme] = [
    RB_GB,
    S10Scheme("EE", "US"),
    SSCC,
    SSCC18Scheme("0", "1234567890"),
    CustomScheme(),
    CustomScheme(prefix="TRK", suffix="X1", serial_width=6, check="luhn"),
    CustomScheme(serial_width=1, check="gs1"),
    CustomScheme(prefix="A", serial_width=8, check="mod11"),
    CustomScheme(serial_width=18, check="mod37"),
    CustomScheme(prefix="PKG", serial_width=5, alphabet="base32"),
    CustomScheme(suffix="ZZ", serial_width=12, alphabet="base32", check="mod37"),
    CustomScheme(serial_width=1, alphabet="base32", check="mod37"),
]


def _serials(scheme: Scheme) -> list[int]:
    top = scheme.max_serial
    return sorted({0, 1, top // 2, min(top, top // 3 + 7), top - 1, top})


@pytest.mark.parametrize(
    ("scheme", "serial"),
    [(scheme, serial) for scheme in SCHEMES for serial in _serials(scheme)],
    ids=repr,
)
def test_it_round_trips_format_and_parse(scheme: Scheme, serial: int) -> None:
    number = scheme.format(serial)
    assert len(number) == scheme.length
    assert scheme.parse(number) == serial


@pytest.mark.parametrize(
    ("scheme", "serial", "number"),
    [
        (RB_GB, 12345678, "RB123456785GB"),
        (RB_GB, 0, "RB000000005GB"),
        (S10Scheme("EE", "US"), 87654321, "EE876543216US"),
        (SSCC, 123456789, "106141411234567897"),
        (SSCC18Scheme("0", "1234567890"), 1, "012345678900000012"),
        (CustomScheme(prefix="TRK", serial_width=6, check="luhn"), 42, "TRK0000422"),
        (CustomScheme(serial_width=4, alphabet="base32"), 32 * 32 - 1, "00ZZ"),
        (CustomScheme(serial_width=4, alphabet="base32", suffix="Q"), 1000, "00Z8Q"),
        (CustomScheme(serial_width=4, check="gs1"), 1234, "12348"),
    ],
)
def test_it_formats_known_numbers(scheme: Scheme, serial: int, number: str) -> None:
    assert scheme.format(serial) == number
    assert scheme.parse(number) == serial


@pytest.mark.parametrize(
    ("scheme", "capacity"),
    [
        (RB_GB, 10**8),
        (SSCC18Scheme(0, "1234567"), 10**9),
        (SSCC18Scheme(0, "12345678"), 10**8),
        (SSCC18Scheme(0, "123456789"), 10**7),
        (SSCC18Scheme(0, "1234567890"), 10**6),
        (CustomScheme(), 10**10),
        (CustomScheme(serial_width=18), 10**18),
        (CustomScheme(serial_width=1), 10),
        (CustomScheme(serial_width=12, alphabet="base32"), 32**12),
        (CustomScheme(serial_width=2, alphabet="base32", check="mod37"), 1024),
    ],
)
def test_capacity_counts_every_serial(scheme: Scheme, capacity: int) -> None:
    assert scheme.capacity == capacity
    assert scheme.max_serial == capacity - 1


@pytest.mark.parametrize(
    ("scheme", "example"),
    [
        (RB_GB, "RB000000005GB"),
        (SSCC, "106141410000000002"),
        (CustomScheme(prefix="AB", serial_width=3), "AB000"),
    ],
)
def test_example_shows_the_format(scheme: Scheme, example: str) -> None:
    assert scheme.example == example
    assert scheme.parse(scheme.example) == 0


@pytest.mark.parametrize("scheme", SCHEMES, ids=repr)
@pytest.mark.parametrize("offset", [-1, 1])
def test_it_refuses_serials_out_of_range(scheme: Scheme, offset: int) -> None:
    serial = -1 if offset < 0 else scheme.max_serial + 1
    message = f"serial must be between 0 and {scheme.max_serial}, got {serial}"
    with pytest.raises(ValueError, match=re.escape(message)):
        scheme.format(serial)


@pytest.mark.parametrize(
    ("scheme", "number", "message"),
    [
        (RB_GB, "RB12345678GB", "expected 13 characters, got 12"),
        (RB_GB, "RB1234567855GB", "expected 13 characters, got 14"),
        (RB_GB, "RR123456785GB", "service indicator is RR, expected RB"),
        (RB_GB, "RB123456785US", "country code is US, expected GB"),
        (RB_GB, "RB123456783GB", "check digit is 3, expected 5"),
        (RB_GB, "RB1234O6785GB", "character 7 is 'O', expected a digit"),
        (RB_GB, "R1123456785GB", "character 2 is '1', expected a letter A-Z"),
        (RB_GB, "RB123456785G8", "character 13 is '8', expected a letter A-Z"),
        (SSCC, "10614141123456789", "expected 18 characters, got 17"),
        (SSCC, "106141411234567896", "check digit is 6, expected 7"),
        (SSCC, "206141411234567895", "extension digit is 2, expected 1"),
        (SSCC, "107141411234567896", "company prefix is 0714141, expected 0614141"),
        (SSCC, "1061414112345678A7", "character 17 is 'A', expected a digit"),
        (SSCC, "01106141411234567897", SSCC_BAD_APPLICATION_IDENTIFIER),
        (SSCC, "00106141411234567896", "check digit is 6, expected 7"),
        (
            CustomScheme(prefix="TRK", suffix="X1", serial_width=6, check="luhn"),
            "TRX0000422X1",
            "prefix is TRX, expected TRK",
        ),
        (
            CustomScheme(prefix="TRK", suffix="X1", serial_width=6, check="luhn"),
            "TRK0000422X2",
            "suffix is X2, expected X1",
        ),
        (
            CustomScheme(prefix="TRK", suffix="X1", serial_width=6, check="luhn"),
            "TRK0000423X1",
            "check digit is 3, expected 2",
        ),
        (
            CustomScheme(prefix="TRK", suffix="X1", serial_width=6, check="luhn"),
            "TRK000042X1",
            "expected 12 characters, got 11",
        ),
        (
            CustomScheme(prefix="TRK", serial_width=6, check="luhn"),
            "TRK00A0422",
            "character 6 is 'A', expected a digit",
        ),
        (
            CustomScheme(serial_width=4, alphabet="base32"),
            "00U8",
            "character 3 is 'U', expected a digit or a letter other than U",
        ),
        (
            CustomScheme(serial_width=4, alphabet="base32", check="mod37"),
            "00Z8L",
            "check character is L, expected 4",
        ),
        (
            CustomScheme(serial_width=4, alphabet="base32", check="mod37"),
            "00Z84Q",
            "expected 5 characters, got 6",
        ),
        (CustomScheme(serial_width=3), "", "expected 3 characters, got 0"),
    ],
)
def test_parse_says_what_is_wrong(scheme: Scheme, number: str, message: str) -> None:
    with pytest.raises(InvalidNumber, match=f"^{re.escape(message)}$"):
        scheme.parse(number)


def test_invalid_number_is_a_value_error() -> None:
    assert issubclass(InvalidNumber, ValueError)
    assert issubclass(InvalidSchemeParams, ValueError)


def test_sscc_parse_accepts_the_application_identifier() -> None:
    assert SSCC.parse("00106141411234567897") == 123456789


def test_sscc_extension_digit_accepts_int_and_str() -> None:
    assert SSCC18Scheme(1, "0614141") == SSCC18Scheme("1", "0614141")
    assert SSCC18Scheme(1, "0614141").extension_digit == "1"


def test_schemes_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RB_GB.country_code = "US"  # type: ignore[misc]


@pytest.mark.parametrize("scheme", SCHEMES, ids=repr)
def test_to_params_rebuilds_the_same_scheme(scheme: Scheme) -> None:
    assert build_scheme(scheme.name, scheme.to_params()) == scheme


VALID: dict[type, dict[str, object]] = {
    S10Scheme: {"service_indicator": "RB", "country_code": "GB"},
    SSCC18Scheme: {"extension_digit": 1, "company_prefix": "0614141"},
    CustomScheme: {},
}
WIDTH_18 = SERIAL_WIDTH_INVALID.format(maximum=18, alphabet="digits")
WIDTH_12 = SERIAL_WIDTH_INVALID.format(maximum=12, alphabet="base32")


@pytest.mark.parametrize(
    ("cls", "field", "value", "message"),
    [
        (S10Scheme, "service_indicator", "R1", SERVICE_INDICATOR_INVALID),
        (S10Scheme, "service_indicator", "rb", SERVICE_INDICATOR_INVALID),
        (S10Scheme, "service_indicator", "RBX", SERVICE_INDICATOR_INVALID),
        (S10Scheme, "service_indicator", "", SERVICE_INDICATOR_INVALID),
        (S10Scheme, "country_code", "XX", COUNTRY_CODE_INVALID),
        (S10Scheme, "country_code", "UN", COUNTRY_CODE_INVALID),
        (S10Scheme, "country_code", "gb", COUNTRY_CODE_INVALID),
        (SSCC18Scheme, "extension_digit", 10, EXTENSION_DIGIT_INVALID),
        (SSCC18Scheme, "extension_digit", -1, EXTENSION_DIGIT_INVALID),
        (SSCC18Scheme, "extension_digit", "12", EXTENSION_DIGIT_INVALID),
        (SSCC18Scheme, "extension_digit", True, EXTENSION_DIGIT_INVALID),
        (SSCC18Scheme, "company_prefix", "061414", COMPANY_PREFIX_INVALID),
        (SSCC18Scheme, "company_prefix", "06141411234", COMPANY_PREFIX_INVALID),
        (SSCC18Scheme, "company_prefix", "06141A1", COMPANY_PREFIX_INVALID),
        (CustomScheme, "prefix", "trk", AFFIX_INVALID),
        (CustomScheme, "prefix", "TR_K", AFFIX_INVALID),
        (CustomScheme, "suffix", "A" * 13, AFFIX_INVALID),
        (CustomScheme, "alphabet", "hex", ALPHABET_INVALID),
        (CustomScheme, "check", "crc", CHECK_INVALID),
        (CustomScheme, "serial_width", 0, WIDTH_18),
        (CustomScheme, "serial_width", 19, WIDTH_18),
        (CustomScheme, "serial_width", 10.0, WIDTH_18),
        (CustomScheme, "serial_width", True, WIDTH_18),
    ],
)
def test_constructors_reject_bad_params(
    cls: type, field: str, value: object, message: str
) -> None:
    with pytest.raises(InvalidSchemeParams) as caught:
        cls(**{**VALID[cls], field: value})
    assert caught.value.errors == {field: message}


def test_constructors_report_every_bad_param() -> None:
    with pytest.raises(InvalidSchemeParams) as caught:
        S10Scheme("", "")
    assert caught.value.errors == {
        "service_indicator": SERVICE_INDICATOR_INVALID,
        "country_code": COUNTRY_CODE_INVALID,
    }


def test_base32_serials_are_at_most_12_characters() -> None:
    with pytest.raises(InvalidSchemeParams) as caught:
        CustomScheme(serial_width=13, alphabet="base32")
    assert caught.value.errors == {"serial_width": WIDTH_12}


@pytest.mark.parametrize("check", ["luhn", "gs1", "mod11"])
def test_digit_checks_refuse_base32(check: str) -> None:
    with pytest.raises(InvalidSchemeParams) as caught:
        CustomScheme(alphabet="base32", check=check)
    assert caught.value.errors == {"check": CHECK_NEEDS_DIGITS.format(check=check)}


def test_custom_scheme_limits_are_inclusive() -> None:
    assert CustomScheme(prefix="A" * 12, suffix="9" * 12, serial_width=18).length == 42
    assert CustomScheme(serial_width=12, alphabet="base32").max_serial == 2**60 - 1


@pytest.mark.parametrize(
    ("scheme", "params", "expected"),
    [
        ("s10", {"service_indicator": "RB", "country_code": "GB"}, RB_GB),
        (
            "s10",
            {"service_indicator": "RB", "country_code": "GB", "prefix": "ignored"},
            RB_GB,
        ),
        ("sscc18", {"extension_digit": 1, "company_prefix": "0614141"}, SSCC),
        ("sscc18", {"extension_digit": "1", "company_prefix": "0614141"}, SSCC),
        ("custom", {}, CustomScheme()),
        (
            "custom",
            {
                "prefix": "",
                "suffix": None,
                "serial_width": None,
                "alphabet": "",
                "check": None,
            },
            CustomScheme(),
        ),
        (
            "custom",
            {"prefix": "TRK", "serial_width": 6, "check": "luhn", "country_code": "XX"},
            CustomScheme(prefix="TRK", serial_width=6, check="luhn"),
        ),
        (
            "custom",
            {"serial_width": 8, "alphabet": "base32", "check": "mod37"},
            CustomScheme(serial_width=8, alphabet="base32", check="mod37"),
        ),
    ],
)
def test_build_scheme_builds_from_params(
    scheme: str, params: dict[str, object], expected: Scheme
) -> None:
    assert build_scheme(scheme, params) == expected


# Every field a series row holds, as the Django model passes them.
ALL_FIELDS: dict[str, object] = {
    "service_indicator": "",
    "country_code": "",
    "extension_digit": None,
    "company_prefix": "",
    "prefix": "",
    "suffix": "",
    "serial_width": None,
    "alphabet": "digits",
    "check": "none",
}


@pytest.mark.parametrize(
    ("scheme", "params", "errors"),
    [
        ("ups", {}, {"scheme": SCHEME_UNKNOWN}),
        (
            "s10",
            {},
            {"service_indicator": FIELD_REQUIRED, "country_code": FIELD_REQUIRED},
        ),
        (
            "s10",
            ALL_FIELDS,
            {"service_indicator": FIELD_REQUIRED, "country_code": FIELD_REQUIRED},
        ),
        (
            "s10",
            {"service_indicator": "R1", "country_code": ""},
            {
                "service_indicator": SERVICE_INDICATOR_INVALID,
                "country_code": FIELD_REQUIRED,
            },
        ),
        (
            "s10",
            {"service_indicator": 12, "country_code": "ZZ"},
            {
                "service_indicator": SERVICE_INDICATOR_INVALID,
                "country_code": COUNTRY_CODE_INVALID,
            },
        ),
        (
            "sscc18",
            ALL_FIELDS,
            {"extension_digit": FIELD_REQUIRED, "company_prefix": FIELD_REQUIRED},
        ),
        (
            "sscc18",
            {"extension_digit": 0, "company_prefix": "123"},
            {"company_prefix": COMPANY_PREFIX_INVALID},
        ),
        (
            "custom",
            {"prefix": "ab", "suffix": "C D", "serial_width": "10", "check": "x"},
            {
                "prefix": AFFIX_INVALID,
                "suffix": AFFIX_INVALID,
                "serial_width": SERIAL_WIDTH_INVALID.format(
                    maximum=18, alphabet="digits"
                ),
                "check": CHECK_INVALID,
            },
        ),
        (
            "custom",
            {"alphabet": "base32", "serial_width": 20, "check": "luhn"},
            {
                "serial_width": SERIAL_WIDTH_INVALID.format(
                    maximum=12, alphabet="base32"
                ),
                "check": CHECK_NEEDS_DIGITS.format(check="luhn"),
            },
        ),
        ("custom", {"alphabet": "octal"}, {"alphabet": ALPHABET_INVALID}),
    ],
)
def test_build_scheme_reports_every_bad_field(
    scheme: str, params: dict[str, object], errors: dict[str, str]
) -> None:
    with pytest.raises(InvalidSchemeParams) as caught:
        build_scheme(scheme, params)
    assert caught.value.errors == errors


def test_build_scheme_accepts_the_models_full_row() -> None:
    params = {**ALL_FIELDS, "service_indicator": "RB", "country_code": "GB"}
    assert build_scheme("s10", params) == RB_GB


def test_invalid_scheme_params_message_lists_fields() -> None:
    error = InvalidSchemeParams({"prefix": AFFIX_INVALID, "check": CHECK_INVALID})
    assert str(error) == f"prefix: {AFFIX_INVALID}; check: {CHECK_INVALID}"


# Collision analysis: which pairs of schemes could print the same string.
@pytest.mark.parametrize(
    ("a", "b", "may_collide"),
    [
        (S10Scheme("RB", "GB"), S10Scheme("RB", "GB"), True),
        (S10Scheme("RB", "GB"), S10Scheme("RR", "GB"), False),
        (S10Scheme("RB", "GB"), S10Scheme("RB", "FR"), False),
        (SSCC18Scheme(0, "0614141"), SSCC18Scheme(1, "0614141"), False),
        (SSCC18Scheme(0, "0614141"), SSCC18Scheme(0, "06141410"), True),
        (SSCC18Scheme(0, "0614141"), CustomScheme(serial_width=18), True),
        (SSCC18Scheme(0, "0614141"), CustomScheme(serial_width=17), False),
        (
            CustomScheme(prefix="TN", serial_width=10, check="luhn"),
            CustomScheme(prefix="TN", serial_width=11),
            True,
        ),
        (
            CustomScheme(prefix="TN", serial_width=10, check="luhn"),
            CustomScheme(prefix="TX", serial_width=11),
            False,
        ),
        (
            CustomScheme(prefix="A", serial_width=3, alphabet="base32"),
            CustomScheme(serial_width=4, alphabet="base32"),
            True,
        ),
        (
            CustomScheme(prefix="I", serial_width=3, alphabet="digits"),
            CustomScheme(serial_width=4, alphabet="base32"),
            False,
        ),
        (CustomScheme(serial_width=8, check="mod11"), S10Scheme("RB", "GB"), False),
    ],
)
def test_schemes_may_collide(a, b, may_collide: bool) -> None:
    assert schemes_may_collide(a, b) is may_collide
    assert schemes_may_collide(b, a) is may_collide


def test_no_collision_claim_is_ever_wrong() -> None:
    # Exhaustive on small schemes: whenever two schemes print a common
    # string, schemes_may_collide must say they may.
    small = [
        CustomScheme(serial_width=2),
        CustomScheme(prefix="1", serial_width=1),
        CustomScheme(serial_width=1, check="luhn"),
        CustomScheme(serial_width=1, check="mod37"),
        CustomScheme(serial_width=1, alphabet="base32", check="mod37"),
        CustomScheme(serial_width=2, alphabet="base32"),
        CustomScheme(suffix="A", serial_width=1),
    ]
    printed = [{s.format(n) for n in range(s.capacity)} for s in small]
    for i, a in enumerate(small):
        for j, b in enumerate(small):
            if printed[i] & printed[j]:
                assert schemes_may_collide(a, b), (a, b)
