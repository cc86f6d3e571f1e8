"""A keyed bijection on ``[0, domain)`` for scrambled series.

Issuing serials 0, 1, 2... in order makes the next number guessable.
Passing each serial through a secret permutation of the series' range keeps
the numbers unique (the map is one-to-one) while hiding the order.
"""

from __future__ import annotations

import hashlib
from array import array

# NIST's FF3-1 format-preserving cipher uses 8 Feistel rounds too.
ROUNDS = 8
# blake2b's "person" parameter (at most 16 bytes) separates this use of the
# key from any other hash the same key might feed.
PERSON = b"trk-feistel-v1"
MAX_BLAKE2B_KEY = 64
# Round outputs are memoized for half widths up to this many bits: at most
# ROUNDS * 2**15 four-byte slots, 1 MiB per instance. Every extra bit would
# double that, so wider halves (domains above 2**30) are hashed each time.
MEMO_MAX_HALF_BITS = 15

EMPTY_KEY = "key must not be empty: an unkeyed permutation is guessable."
BAD_DOMAIN = "domain must be a positive integer, got {domain!r}."
OUT_OF_DOMAIN = "{name} must be an integer in [0, {domain}), got {value!r}."


class FeistelPermutation:
    """A keyed permutation of the integers ``[0, domain)``.

    A balanced Feistel network over the smallest even number of bits b >= 2
    with ``2**b >= domain``, with ``ROUNDS`` rounds whose round function is
    keyed BLAKE2b over the tweak, the domain, the round number and the
    right half, truncated to the half width. Outputs that land at or above
    ``domain`` are fed through again ("cycle walking") until they fall
    inside, which keeps the map a bijection of ``[0, domain)`` itself; as
    ``2**b <= 4 * domain``, at most four passes are needed on average.

    The same key, domain and tweak give the same permutation in every
    process: nothing depends on Python's randomized ``hash()``. The tweak
    lets one key drive independent permutations, e.g. one per series.
    Keys longer than BLAKE2b's 64-byte limit are first hashed with SHA-256.

    >>> p = FeistelPermutation(b"secret", 10)
    >>> sorted(p.forward(x) for x in range(10)) == list(range(10))
    True
    >>> p.inverse(p.forward(7))
    7
    """

    __slots__ = (
        "_backward",
        "_domain",
        "_forward",
        "_half_bits",
        "_half_bytes",
        "_mask",
        "_memo",
        "_states",
    )

    def __init__(self, key: bytes, domain: int, tweak: bytes = b"") -> None:
        if not key:
            raise ValueError(EMPTY_KEY)
        if isinstance(domain, bool) or not isinstance(domain, int) or domain < 1:
            raise ValueError(BAD_DOMAIN.format(domain=domain))
        if len(key) > MAX_BLAKE2B_KEY:
            key = hashlib.sha256(key).digest()
        bits = max(2, (domain - 1).bit_length())
        bits += bits % 2
        half_bits = bits // 2
        half_bytes = (half_bits + 7) // 8
        base = hashlib.blake2b(key=key, digest_size=half_bytes, person=PERSON)
        # Length prefixes keep every (tweak, domain) pair a distinct message.
        domain_bytes = domain.to_bytes((domain.bit_length() + 7) // 8, "big")
        base.update(len(tweak).to_bytes(8, "big") + tweak)
        base.update(len(domain_bytes).to_bytes(1, "big") + domain_bytes)
        states = []
        for number in range(ROUNDS):
            state = base.copy()
            state.update(number.to_bytes(1, "big"))
            states.append(state)
        # Creating a keyed BLAKE2b absorbs a whole key block; copying a
        # prepared state per round is much cheaper, and the memo below
        # skips even that once a round has seen a given half.
        self._states: tuple[hashlib.blake2b, ...] = tuple(states)
        self._domain = domain
        self._half_bits = half_bits
        self._half_bytes = half_bytes
        self._mask = (1 << half_bits) - 1
        # -1 marks a round output not computed yet. Concurrent threads can
        # only ever store the same value into a slot, so no lock is needed.
        self._memo: array[int] | None = (
            array("i", [-1]) * (ROUNDS << half_bits)
            if half_bits <= MEMO_MAX_HALF_BITS
            else None
        )
        self._forward = tuple(range(ROUNDS))
        self._backward = self._forward[::-1]

    @property
    def domain(self) -> int:
        """Return the size of the permuted range ``[0, domain)``."""
        return self._domain

    def forward(self, x: int) -> int:
        """Return the image of ``x``, raising ``ValueError`` outside the domain."""
        self._check("x", x)
        return self._walk(x, self._forward, swap=False)

    def inverse(self, y: int) -> int:
        """Return the ``x`` with ``forward(x) == y``."""
        self._check("y", y)
        # Undoing the rounds is the same network with the halves swapped on
        # the way in and out and the rounds taken in reverse order.
        return self._walk(y, self._backward, swap=True)

    def _check(self, name: str, value: int) -> None:
        """Raise ``ValueError`` unless ``value`` is an int in ``[0, domain)``."""
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value < self._domain
        ):
            raise ValueError(
                OUT_OF_DOMAIN.format(name=name, domain=self._domain, value=value)
            )

    def _walk(self, value: int, order: tuple[int, ...], *, swap: bool) -> int:
        """Apply the network to ``value`` until the result is in the domain.

        The round function is inlined twice below (with and without the
        memo): a method call per round would cost a third of the run time.
        """
        domain = self._domain
        half_bits = self._half_bits
        half_bytes = self._half_bytes
        mask = self._mask
        states = self._states
        memo = self._memo
        from_bytes = int.from_bytes
        while True:
            left, right = value >> half_bits, value & mask
            if swap:
                left, right = right, left
            if memo is None:
                for number in order:
                    h = states[number].copy()
                    h.update(right.to_bytes(half_bytes, "big"))
                    f = from_bytes(h.digest(), "big") & mask
                    left, right = right, left ^ f
            else:
                for number in order:
                    slot = (number << half_bits) | right
                    f = memo[slot]
                    if f < 0:
                        h = states[number].copy()
                        h.update(right.to_bytes(half_bytes, "big"))
                        f = memo[slot] = from_bytes(h.digest(), "big") & mask
                    left, right = right, left ^ f
            if swap:
                left, right = right, left
            value = (left << half_bits) | right
            if value < domain:
                return value
