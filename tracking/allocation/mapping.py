"""How a series' serials map to its numbers, under ``tracking.allocation``.

A scrambled series passes serials through a keyed bijection fixed at its
creation (with a fingerprint of the key that made it); a dated series keeps
the day of issue with each serial.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from functools import lru_cache

from django.conf import settings

from tracking import exceptions as exc
from tracking.domain import periods
from tracking.domain.permutation import FeistelPermutation
from tracking.domain.schemes import InvalidNumber
from tracking.messages import SCRAMBLE_KEY_CHANGED
from tracking.models import Series

# SERIAL <-> NUMBER
# ------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _fingerprint(key: str) -> str:
    return hmac.new(key.encode(), b"tracking-scramble-key", hashlib.sha256).hexdigest()[
        :16
    ]


def scramble_key_fingerprint() -> str:
    """Names the configured TRACKING_SCRAMBLE_KEY without revealing it."""
    return _fingerprint(settings.TRACKING_SCRAMBLE_KEY)


def series_key_check(series: Series) -> None:
    """Refuse a scrambled series made with another TRACKING_SCRAMBLE_KEY."""
    if (
        series.mode == Series.Mode.SCRAMBLED
        and series.scramble_key_fingerprint != scramble_key_fingerprint()
    ):
        raise exc.ScrambleKeyChanged(SCRAMBLE_KEY_CHANGED.format(code=series.code))


def series_key_mismatches() -> list[str]:
    """Codes of the scrambled series the configured key did not make."""
    return list(
        Series.objects.filter(mode=Series.Mode.SCRAMBLED)
        .exclude(scramble_key_fingerprint=scramble_key_fingerprint())
        .values_list("code", flat=True)
    )


@lru_cache(maxsize=64)
def _permutation(domain: int, tweak: bytes, key: str) -> FeistelPermutation:
    return FeistelPermutation(key=key.encode(), domain=domain, tweak=tweak)


def series_permutation(series: Series) -> FeistelPermutation:
    """The keyed bijection on the series' range, fixed for its lifetime."""
    series_key_check(series)
    return _permutation(
        series.capacity, str(series.pk).encode(), settings.TRACKING_SCRAMBLE_KEY
    )


def series_number_format(*, series: Series, serial: int) -> str:
    """Format the number for an allocated serial.

    A scrambled series passes the serial through the keyed permutation of
    its range first: still one-to-one, so still unique, but not guessable.
    """
    scheme = series.domain_scheme
    if scheme.dated:
        days, serial = divmod(serial, scheme.capacity)
        return scheme.on(periods.DAY_ZERO + timedelta(days=days)).format(serial)
    if series.mode == Series.Mode.SCRAMBLED:
        serial = series.start + series_permutation(series).forward(
            serial - series.start
        )
    return scheme.format(serial)


def series_serial_parse(*, series: Series, number: str) -> int:
    """Inverse of ``series_number_format``: the allocated serial of a number.

    A dated series' number tells its day only as far as its tokens do, so
    this is the serial within its period (not the stored one).
    """
    shown = series.domain_scheme.parse(number)
    if not series.start <= shown <= series.end:
        raise InvalidNumber(f"serial {shown} is outside this series' range")
    if series.mode == Series.Mode.SCRAMBLED:
        return series.start + series_permutation(series).inverse(shown - series.start)
    return shown
