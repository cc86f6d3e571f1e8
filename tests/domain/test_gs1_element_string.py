"""Scanned and typed GS1 element strings give their SSCC (AI 00)."""

from __future__ import annotations

import pytest

from tracking.domain.gs1 import sscc_from_element_string

SSCC = "306141410000000006"


@pytest.mark.parametrize(
    "raw",
    [
        f"00{SSCC}",  # GS1-128 as a scanner without prefix sends it
        f"]C100{SSCC}",  # with its symbology identifier
        f"\x1d00{SSCC}",  # FNC1 sent as GS
        f"]C1\x1d00{SSCC}\x1d",
        f"00{SSCC}10LOT7\x1d21X",  # more element strings follow
        f"(00){SSCC}",  # typed as printed under the bar code
        f"(00) {SSCC[:4]} {SSCC[4:10]} {SSCC[10:]}",
        f" ]C1(00){SSCC}(10)LOT7\r\n",
    ],
)
def test_it_reads_the_sscc_of_a_gs1_element_string(raw):
    assert sscc_from_element_string(raw) == SSCC


@pytest.mark.parametrize(
    "raw",
    [
        SSCC,  # a bare SSCC is no element string
        f"00{SSCC[:-1]}7",  # wrong check digit
        f"00{SSCC[:-1]}",  # too short
        f"(01){SSCC[:14]}",  # another identifier only
        "RB123456785GB",
        "",
        "]C1",
        "(00)",
        "((",
    ],
)
def test_it_gives_none_for_anything_else(raw):
    assert sscc_from_element_string(raw) is None
