"""The keyed Feistel permutation: a bijection, keyed, stable, scrambling."""

from __future__ import annotations

import json
import os
import re
from itertools import pairwise
from pathlib import Path

import pytest

from tests.helpers.child import run_python
from tracking.domain import permutation
from tracking.domain.permutation import FeistelPermutation

ROOT = Path(__file__).resolve().parents[2]
KEY = b"test-key-not-secret"


@pytest.mark.parametrize("domain", [1, 2, 3, 7, 10, 100, 1000, 4097, 10**4])
def test_it_is_a_bijection(domain: int) -> None:
    p = FeistelPermutation(KEY, domain, tweak=b"series-1")
    images = [p.forward(x) for x in range(domain)]
    assert sorted(images) == list(range(domain))
    assert [p.inverse(y) for y in images] == list(range(domain))
    assert [p.forward(p.inverse(y)) for y in range(domain)] == list(range(domain))


@pytest.mark.parametrize("domain", [10, 1000, 4097])
def test_results_do_not_depend_on_call_order(domain: int) -> None:
    # Round outputs are memoized; a memo slot shared by two rounds would
    # make results depend on which inputs came first.
    ascending = FeistelPermutation(KEY, domain)
    descending = FeistelPermutation(KEY, domain)
    up = [ascending.forward(x) for x in range(domain)]
    down = [descending.forward(x) for x in reversed(range(domain))]
    assert up == down[::-1]


@pytest.mark.parametrize("domain", [7, 1000, 4097])
def test_memoized_and_direct_round_functions_agree(
    domain: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    memoized = FeistelPermutation(KEY, domain)
    monkeypatch.setattr(permutation, "MEMO_MAX_HALF_BITS", 0)
    direct = FeistelPermutation(KEY, domain)
    assert [direct.forward(x) for x in range(domain)] == [
        memoized.forward(x) for x in range(domain)
    ]


@pytest.mark.parametrize("domain", [2**31, 10**12, 10**18, 32**13, 2**64 + 1])
def test_it_round_trips_in_wide_domains(domain: int) -> None:
    p = FeistelPermutation(KEY, domain)
    xs = [0, 1, 2, domain // 3, domain // 2, domain - 2, domain - 1]
    images = [p.forward(x) for x in xs]
    assert all(0 <= y < domain for y in images)
    assert len(set(images)) == len(xs)
    assert [p.inverse(y) for y in images] == xs


def test_domain_of_one_is_the_identity() -> None:
    p = FeistelPermutation(KEY, 1)
    assert p.forward(0) == 0
    assert p.inverse(0) == 0


def _table(key: bytes, domain: int, tweak: bytes = b"") -> list[int]:
    p = FeistelPermutation(key, domain, tweak)
    return [p.forward(x) for x in range(domain)]


def test_different_keys_give_different_permutations() -> None:
    tables = [_table(key, 1000) for key in (b"a", b"b", b"a" * 64, b"a" * 65)]
    assert len({tuple(t) for t in tables}) == len(tables)


def test_different_tweaks_give_different_permutations() -> None:
    tables = [_table(KEY, 1000, tweak) for tweak in (b"", b"1", b"2", b"12")]
    assert len({tuple(t) for t in tables}) == len(tables)


def test_same_key_gives_the_same_permutation() -> None:
    assert _table(KEY, 1000, b"x") == _table(bytes(KEY), 1000, b"x")


def test_long_keys_are_hashed_down() -> None:
    long_key = bytes(range(100))
    p = FeistelPermutation(long_key, 1000)
    assert sorted(p.forward(x) for x in range(1000)) == list(range(1000))


_SUBPROCESS_CODE = """
import json, sys
from tracking.domain.permutation import FeistelPermutation
key, domain, tweak, xs = json.loads(sys.argv[1])
p = FeistelPermutation(key.encode(), domain, tweak.encode())
print(json.dumps([p.forward(x) for x in xs]))
"""


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
@pytest.mark.parametrize(
    ("domain", "xs"),
    [(10**8, [0, 1, 2, 12345678, 10**8 - 1]), (4097, [0, 1, 4096]), (10**18, [5])],
)
def test_it_gives_the_same_values_in_another_process(
    hash_seed: str, domain: int, xs: list[int]
) -> None:
    # A fresh interpreter with a different hash seed must agree with this
    # one: serials issued by one worker are parsed by another.
    args = json.dumps(["stable-key", domain, "series-9", xs])
    result = run_python(
        "-c",
        _SUBPROCESS_CODE,
        args,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        check=True,
        timeout=60,
    )
    here = FeistelPermutation(b"stable-key", domain, b"series-9")
    assert json.loads(result.stdout) == [here.forward(x) for x in xs]


def test_consecutive_serials_do_not_stay_adjacent() -> None:
    p = FeistelPermutation(KEY, 10**8, tweak=b"series-1")
    start = 5_000_000
    images = [p.forward(x) for x in range(start, start + 1001)]
    adjacent = sum(abs(b - a) == 1 for a, b in pairwise(images))
    # A uniformly random permutation makes about 2 in 10**8 pairs adjacent.
    assert adjacent < 10


@pytest.mark.parametrize("value", [-1, 1000, 10**20, 1.0, True, "1"])
def test_it_rejects_values_outside_the_domain(value: object) -> None:
    p = FeistelPermutation(KEY, 1000)
    with pytest.raises(ValueError, match=re.escape("in [0, 1000)")):
        p.forward(value)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape("in [0, 1000)")):
        p.inverse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("domain", [0, -5, 2.0, True])
def test_it_rejects_empty_domains(domain: object) -> None:
    with pytest.raises(ValueError, match="domain must be a positive integer"):
        FeistelPermutation(KEY, domain)  # type: ignore[arg-type]


def test_it_rejects_an_empty_key() -> None:
    with pytest.raises(ValueError, match=re.escape(permutation.EMPTY_KEY)):
        FeistelPermutation(b"", 10)
