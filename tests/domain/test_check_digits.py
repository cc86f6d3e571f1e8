"""Check digit algorithms against published numbers and every typo."""

from __future__ import annotations

import doctest
import random
import re
from collections.abc import Callable

import pytest

from tracking.domain import (
    carriers,
    check_digits,
    custom,
    gs1,
    permutation,
    recognize,
    s10,
    schemes,
    usps,
)
from tracking.domain.check_digits import (
    ALPHANUMERIC,
    CHECKS,
    DIGITS,
    S10_WEIGHTS,
    gs1_mod10,
    luhn,
    mod11,
    mod37,
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # GS1 General Specifications, SSCC example (00) 1 0614141 123456789 7.
        ("10614141123456789", "7"),
        # GS1 check digit calculator page, worked GTIN-13 example 629104150021-3.
        ("629104150021", "3"),
        # USPS IMpb examples from jkeen/tracking_number_data couriers/usps.json.
        ("940011120108080548301", "6"),
        ("920019013260760083345", "7"),
    ],
)
def test_gs1_mod10_matches_published_numbers(body: str, expected: str) -> None:
    assert gs1_mod10(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Wikipedia, "Luhn algorithm": 7992739871 -> 3 (older revisions) and
        # 1789372997 -> 4 (current revision).
        ("7992739871", "3"),
        ("1789372997", "4"),
        ("0", "0"),
    ],
)
def test_luhn_matches_published_numbers(body: str, expected: str) -> None:
    assert luhn(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # RB123456785GB, the S10 example in jkeen/tracking_number_data
        # couriers/s10.json and many carrier guides:
        # 1*8 + 2*6 + 3*4 + 4*2 + 5*3 + 6*5 + 7*9 + 8*7 = 204, 204 mod 11 = 6,
        # 11 - 6 = 5.
        ("12345678", "5"),
        # EE87654321x: 8*8 + 7*6 + 6*4 + 5*2 + 4*3 + 3*5 + 2*9 + 1*7 = 192,
        # 192 mod 11 = 5, 11 - 5 = 6 (so "EE876543215" is NOT valid).
        ("87654321", "6"),
        # Sum 0: 11 - 0 = 11, written "5".
        ("00000000", "5"),
        # 8*7 = 56, 56 mod 11 = 1: 11 - 1 = 10, written "0".
        ("00000008", "0"),
        # 9*8 = 72, 72 mod 11 = 6: 11 - 6 = 5, the same "5" as sum 0.
        ("90000000", "5"),
    ],
)
def test_mod11_matches_worked_s10_examples(body: str, expected: str) -> None:
    assert mod11(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # GRid A1-2425G-ABC1234002-M: IFPI GRid standard example, also the
        # python-stdnum doctest of stdnum.iso7064.mod_37_36.
        ("A12425GABC1234002", "M"),
        # ISAN check characters from the doctests of python-stdnum's
        # stdnum/isan.py: 0000-0000-D07A-0090-Q-0000-0000-X and
        # 0000-0001-8CFA-0000-I-0000-0000-K. The first check covers root and
        # episode, the second root, episode and version.
        ("00000000D07A0090", "Q"),
        ("00000000D07A009000000000", "X"),
        ("000000018CFA0000", "I"),
        ("000000018CFA000000000000", "K"),
    ],
)
def test_mod37_matches_published_numbers(body: str, expected: str) -> None:
    assert mod37(body) == expected


def _iso7064_hybrid_reference(body: str, modulus: int = 36) -> str:
    """ISO/IEC 7064 hybrid system, written from the standard's definition.

    P_1 = M; S_j = (P_j + a_j) mod M, read as M when 0; P_{j+1} = 2 S_j
    mod (M + 1). The check character a_{n+1} is the one for which
    (P_{n+1} + a_{n+1}) mod M == 1, found here by trying each candidate
    instead of the closed form the production code uses.
    """
    p = modulus
    for char in body:
        s = (p + ALPHANUMERIC.index(char)) % modulus
        if s == 0:
            s = modulus
        p = (2 * s) % (modulus + 1)
    candidates = [a for a in range(modulus) if (p + a) % modulus == 1]
    assert len(candidates) == 1
    return ALPHANUMERIC[candidates[0]]


def _seeded_bodies(alphabet: str, count: int, seed: int) -> list[str]:
    # A fixed seed keeps the tables identical from run to run.
    rng = random.Random(seed)
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        for _ in range(count)
    ]


@pytest.mark.parametrize("body", _seeded_bodies(ALPHANUMERIC, 300, seed=37))
def test_mod37_agrees_with_reference_implementation(body: str) -> None:
    assert mod37(body) == _iso7064_hybrid_reference(body)


@pytest.mark.parametrize(
    "body",
    ["A12425GABC1234002", "00000000D07A0090", "0", "Z", "ZZZZZZZZZZ", "00000000000"],
)
def test_mod37_agrees_with_reference_on_edge_bodies(body: str) -> None:
    assert mod37(body) == _iso7064_hybrid_reference(body)


def _substitutions(number: str, alphabet: str) -> list[tuple[int, str]]:
    """Every (position, number with that position replaced) single typo."""
    return [
        (position, number[:position] + char + number[position + 1 :])
        for position in range(len(number))
        for char in alphabet
        if char != number[position]
    ]


@pytest.mark.parametrize(
    ("check", "alphabet", "body"),
    [
        (luhn, DIGITS, "7992739871"),
        (luhn, DIGITS, "4539148803436467"),
        (luhn, DIGITS, "0000000000"),
        (gs1_mod10, DIGITS, "10614141123456789"),
        (gs1_mod10, DIGITS, "629104150021"),
        (gs1_mod10, DIGITS, "999999999999999999999"),
        (mod37, ALPHANUMERIC, "A12425GABC1234002"),
        (mod37, ALPHANUMERIC, "00000000D07A0090"),
        (mod37, ALPHANUMERIC, "ZZZZZZZZZZZZZ"),
    ],
)
def test_it_catches_every_single_character_substitution(
    check: Callable[[str], str], alphabet: str, body: str
) -> None:
    number = body + check(body)
    # The check character itself is one of the alphabet here, so a typo in
    # it is drawn from the same alphabet.
    undetected = [
        typo
        for _, typo in _substitutions(number, alphabet)
        if check(typo[:-1]) == typo[-1]
    ]
    assert undetected == []


def _s10_remainder(body: str) -> int:
    return sum(int(d) * S10_WEIGHTS[i % 8] for i, d in enumerate(body)) % 11


@pytest.mark.parametrize(
    "body", ["12345678", "87654321", "00000000", "90000000", "00000008", "47312482"]
)
def test_mod11_misses_only_the_upu_5_collision(body: str) -> None:
    # UPU S10 writes check 11 (remainder 0) as "5", the same character as
    # check 5 (remainder 6). A typo moving the remainder between 0 and 6
    # therefore goes unnoticed; every other single-digit typo is caught,
    # because each weight is invertible mod 11.
    number = body + mod11(body)
    for position, typo in _substitutions(number, DIGITS):
        detected = mod11(typo[:-1]) != typo[-1]
        collision = position < len(body) and {
            _s10_remainder(body),
            _s10_remainder(typo[:-1]),
        } == {0, 6}
        assert detected != collision, (number, typo)


def test_mod11_collision_is_real() -> None:
    # 00000000 and 90000000 differ in one digit and share check digit 5.
    assert mod11("00000000") == "5"
    assert mod11("90000000") == "5"


@pytest.mark.parametrize(
    ("check", "body", "message"),
    [
        (
            gs1_mod10,
            "12A4",
            "GS1 mod 10 accepts only digits 0-9; got 'A' at position 3.",
        ),
        (luhn, "12 4", "Luhn accepts only digits 0-9; got ' ' at position 3."),
        (
            mod11,
            "1234567٣",
            "UPU mod 11 accepts only digits 0-9; got '٣' at position 8.",
        ),
        (
            mod37,
            "AB-C",
            "ISO 7064 MOD 37,36 accepts only digits 0-9 and letters A-Z; "
            "got '-' at position 3.",
        ),
        (
            mod37,
            "abc",
            "ISO 7064 MOD 37,36 accepts only digits 0-9 and letters A-Z; "
            "got 'a' at position 1.",
        ),
        (luhn, "", "Luhn needs at least one character to check."),
    ],
)
def test_it_rejects_characters_outside_its_alphabet(
    check: Callable[[str], str], body: str, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        check(body)


def test_checks_registry_names_every_algorithm() -> None:
    assert dict(CHECKS) == {
        "none": None,
        "luhn": luhn,
        "gs1": gs1_mod10,
        "mod11": mod11,
        "mod37": mod37,
    }


@pytest.mark.parametrize(
    "module",
    [check_digits, schemes, permutation, recognize, carriers, custom, gs1, s10, usps],
)
def test_docstring_examples_hold(module: object) -> None:
    failed, _ = doctest.testmod(module)  # type: ignore[arg-type]
    assert failed == 0
