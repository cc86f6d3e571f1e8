"""Number formats ("schemes"): one place to build any of them by name.

Each family lives in its own module: ``s10`` (UPU S10), ``gs1`` (SSCC-18,
GSIN), ``usps`` (IMpb) and ``custom`` (house formats); ``scheme_base``
holds what they share. ``build_scheme`` makes one from a scheme name and a
parameter mapping, reporting every bad parameter at once. The names are
re-exported here so callers need only this module.
"""

from __future__ import annotations

from collections.abc import Mapping

from tracking.domain.custom import (
    AFFIX_INVALID,
    ALPHABET_INVALID,
    ALPHABETS,
    CHECK_INVALID,
    CHECK_NEEDS_DIGITS,
    CROCKFORD_BASE32,
    DIGITS_ONLY_CHECKS,
    MAX_AFFIX_LENGTH,
    MAX_SERIAL_WIDTH,
    SERIAL_WIDTH_INVALID,
    CustomScheme,
)
from tracking.domain.gs1 import (
    COMPANY_PREFIX_INVALID,
    EXTENSION_DIGIT_INVALID,
    GSIN_BAD_APPLICATION_IDENTIFIER,
    SSCC_BAD_APPLICATION_IDENTIFIER,
    GsinScheme,
    SSCC18Scheme,
)
from tracking.domain.s10 import (
    COUNTRY_CODE_INVALID,
    SERVICE_INDICATOR_INVALID,
    S10Scheme,
)
from tracking.domain.scheme_base import (
    SERIAL_OUT_OF_RANGE,
    WRONG_CHARACTER,
    WRONG_CHECK,
    WRONG_LENGTH,
    WRONG_PART,
    InvalidNumber,
    InvalidSchemeParams,
    Scheme,
    SchemeBase,
    WrongCheckCharacter,
    is_blank,
    is_choice,
)
from tracking.domain.usps import (
    CHANNEL_INVALID,
    MAILER_ID_INVALID,
    MAILER_ID_NEEDS_CHANNEL,
    NUMBER_LENGTH_INVALID,
    SERVICE_TYPE_CODE_INVALID,
    UspsImpbScheme,
)

__all__ = [
    "AFFIX_INVALID",
    "ALPHABETS",
    "ALPHABET_INVALID",
    "CHANNEL_INVALID",
    "CHECK_INVALID",
    "CHECK_NEEDS_DIGITS",
    "COMPANY_PREFIX_INVALID",
    "COUNTRY_CODE_INVALID",
    "CROCKFORD_BASE32",
    "DIGITS_ONLY_CHECKS",
    "EXTENSION_DIGIT_INVALID",
    "FIELD_REQUIRED",
    "GSIN_BAD_APPLICATION_IDENTIFIER",
    "MAILER_ID_INVALID",
    "MAILER_ID_NEEDS_CHANNEL",
    "MAX_AFFIX_LENGTH",
    "MAX_SERIAL_WIDTH",
    "NUMBER_LENGTH_INVALID",
    "SCHEMES",
    "SCHEME_UNKNOWN",
    "SERIAL_OUT_OF_RANGE",
    "SERIAL_WIDTH_INVALID",
    "SERVICE_INDICATOR_INVALID",
    "SERVICE_TYPE_CODE_INVALID",
    "SSCC_BAD_APPLICATION_IDENTIFIER",
    "WRONG_CHARACTER",
    "WRONG_CHECK",
    "WRONG_LENGTH",
    "WRONG_PART",
    "CustomScheme",
    "GsinScheme",
    "InvalidNumber",
    "InvalidSchemeParams",
    "S10Scheme",
    "SSCC18Scheme",
    "Scheme",
    "UspsImpbScheme",
    "WrongCheckCharacter",
    "build_scheme",
    "scheme_positions",
    "schemes_may_collide",
]

SCHEMES: dict[str, type[SchemeBase]] = {
    cls.name: cls
    for cls in (S10Scheme, SSCC18Scheme, GsinScheme, UspsImpbScheme, CustomScheme)
}
FIELD_REQUIRED = "This field is required."
SCHEME_UNKNOWN = f"Choose one of: {', '.join(SCHEMES)}."


def build_scheme(scheme: object, params: Mapping[str, object]) -> Scheme:
    """Return the scheme named ``scheme`` built from ``params``.

    Parameters the scheme does not use are ignored, so one mapping can hold
    the fields of every scheme. None and "" count as not given: a missing
    required parameter is reported as such, a missing optional one takes
    its default. Every problem, whatever the type of the value, is raised
    at once in ``InvalidSchemeParams``, keyed by parameter name ("scheme"
    for an unknown scheme name).

    >>> build_scheme("s10", {"service_indicator": "RB", "country_code": "GB"})
    S10Scheme(service_indicator='RB', country_code='GB')
    >>> try:
    ...     build_scheme("s10", {"service_indicator": "R1", "country_code": ""})
    ... except InvalidSchemeParams as exc:
    ...     print(exc.errors["service_indicator"], exc.errors["country_code"])
    Use two letters A-Z, e.g. RR. This field is required.
    >>> try:
    ...     build_scheme("custom", {"alphabet": []})
    ... except InvalidSchemeParams as exc:
    ...     print(exc.errors["alphabet"])
    Choose digits or base32.
    """
    if not is_choice(scheme, SCHEMES):
        raise InvalidSchemeParams({"scheme": SCHEME_UNKNOWN})
    cls = SCHEMES[str(scheme)]
    values = {name: params.get(name) for name in cls.REQUIRED}
    missing = {name: FIELD_REQUIRED for name, v in values.items() if is_blank(v)}
    for name, default in cls.DEFAULTS.items():
        value = params.get(name)
        values[name] = default if is_blank(value) else value
    errors = cls.param_errors(**values)
    # A blank required field is "required", not "invalid".
    errors.update(missing)
    if errors:
        raise InvalidSchemeParams(errors)
    scheme_object: Scheme = cls(**values)  # type: ignore[call-arg]
    return scheme_object


def scheme_positions(scheme: Scheme) -> tuple[frozenset[str], ...]:
    """Return, for each character of a formatted number, what it may be.

    >>> [sorted(p) for p in scheme_positions(CustomScheme(prefix="A", serial_width=1))]
    [['A'], ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']]
    """
    return scheme.positions()


def schemes_may_collide(a: Scheme, b: Scheme) -> bool:
    """Return whether two schemes could ever format the same string.

    False is a proof: the lengths differ, or some position allows no common
    character. True means they might, and the caller must keep their serial
    ranges apart (identical schemes) or refuse the pair.

    >>> schemes_may_collide(S10Scheme("RB", "GB"), S10Scheme("RR", "GB"))
    False
    >>> schemes_may_collide(CustomScheme(serial_width=18), SSCC18Scheme(0, "0614141"))
    True
    """
    pa, pb = scheme_positions(a), scheme_positions(b)
    return len(pa) == len(pb) and all(x & y for x, y in zip(pa, pb, strict=True))
