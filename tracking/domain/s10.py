"""UPU S10: the identifier of international postal items."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from tracking.domain import scheme_base as base
from tracking.domain.barcodes import Barcode, code128
from tracking.domain.check_digits import DIGITS, mod11
from tracking.domain.countries import ISO_3166_ALPHA2

SERVICE_INDICATOR_INVALID = "Use two letters A-Z, e.g. RR."
COUNTRY_CODE_INVALID = "Use an ISO 3166-1 alpha-2 country code in capitals, e.g. GB."

SERVICE_INDICATOR = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class S10Scheme(base.SchemeBase):
    """UPU S10 postal item identifier, e.g. RB123456785GB.

    Two letters of service indicator, an 8-digit serial, the UPU mod-11
    check digit over the serial and the ISO 3166-1 alpha-2 code of the
    issuing country.

    >>> S10Scheme("RB", "GB").format(12345678)
    'RB123456785GB'
    >>> S10Scheme("RB", "GB").parse("RB123456785GB")
    12345678
    """

    name: ClassVar[str] = "s10"
    REQUIRED: ClassVar[tuple[str, ...]] = ("service_indicator", "country_code")

    service_indicator: str
    country_code: str

    @staticmethod
    def param_errors(**values: object) -> dict[str, str]:
        """Return the per-field errors of S10 parameters (empty when valid)."""
        errors: dict[str, str] = {}
        indicator = values.get("service_indicator")
        if not (isinstance(indicator, str) and SERVICE_INDICATOR.fullmatch(indicator)):
            errors["service_indicator"] = SERVICE_INDICATOR_INVALID
        country = values.get("country_code")
        if not (isinstance(country, str) and country in ISO_3166_ALPHA2):
            errors["country_code"] = COUNTRY_CODE_INVALID
        return errors

    @property
    def max_serial(self) -> int:
        """Return 99999999: the serial has eight digits."""
        return 10**8 - 1

    @property
    def length(self) -> int:
        """Return 13, the length of every S10 number."""
        return 13

    def format(self, serial: int) -> str:
        """Return the S10 number for ``serial``."""
        self._check_serial(serial)
        digits = f"{serial:08d}"
        return f"{self.service_indicator}{digits}{mod11(digits)}{self.country_code}"

    def parse(self, number: str) -> int:
        """Return the serial of a normalized S10 number of this series."""
        base.expect_length(number, 13)
        base.expect(number, 0, 2, base.LETTERS, base.A_LETTER)
        base.expect(number, 2, 11, DIGITS, base.A_DIGIT)
        base.expect(number, 11, 13, base.LETTERS, base.A_LETTER)
        base.expect_part("service indicator", number[:2], self.service_indicator)
        base.expect_part("country code", number[11:], self.country_code)
        digits = number[2:10]
        base.expect_check(number[10], mod11(digits))
        return int(digits)

    def barcode(self, number: str, *, zip_code: str = "") -> Barcode:
        """Return the Code 128 of a number, read in groups as S10 prints it.

        >>> S10Scheme("RB", "GB").barcode("RB123456785GB").text
        'RB 123 456 785 GB'
        """
        base.no_zip(zip_code)
        n = number
        return code128(n, f"{n[:2]} {n[2:5]} {n[5:8]} {n[8:11]} {n[11:]}")

    def positions(self) -> tuple[frozenset[str], ...]:
        """Return what each character of a number of this series may be."""
        return (
            *base.fixed(self.service_indicator),
            *(base.DIGIT_SET,) * 9,
            *base.fixed(self.country_code),
        )
