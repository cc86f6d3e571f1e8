"""Series: look-up for callers, create and edit, the default series."""

from __future__ import annotations

import time

from django.conf import settings

from tracking import allocation
from tracking import exceptions as exc
from tracking.domain.periods import zone_exists
from tracking.domain.recognize import FORMAT_LABELS, carrier_overlap
from tracking.domain.schemes import InvalidSchemeParams, schemes_may_collide
from tracking.messages import (
    CARRIER_OVERLAP,
    NO_DEFAULT_SERIES,
    SERIES_CODE_TAKEN,
    SERIES_COLLIDES,
    SERIES_DATED_SCRAMBLED,
    SERIES_FIELD_NOT_APPLICABLE,
    SERIES_FORBIDDEN,
    SERIES_INACTIVE,
    SERIES_TIMEZONE_INVALID,
    SERIES_UNKNOWN,
)
from tracking.models import ApiClient, Series
from tracking.selectors import api_client_may_use

__all__ = [
    "DEFAULT_SERIES",
    "SERIES_COLLIDES",
    "series_ensure_default",
    "series_get",
    "series_save",
]

# code ("" for the default) -> (series, expires at). What formats a number
# (scheme, mode, format fields, start) is fixed once the series exists; its
# end and "active" may change, but the allocator reads those from the row on
# every call, so a cached copy only delays messages such as "not active" by
# up to TRACKING_AUTH_CACHE_SECONDS.
_series_cache: dict[str, tuple[Series, float]] = {}


def series_get(*, code: str | None, client: ApiClient | None = None) -> Series:
    """Return the series a caller names (or the default one) if it may use it."""
    key = code or ""
    now = time.monotonic()
    hit = _series_cache.get(key)
    if hit is not None and hit[1] > now:
        series = hit[0]
    else:
        if code:
            series = Series.objects.filter(code=code).first()
            if series is None:
                raise exc.SeriesNotFound(SERIES_UNKNOWN.format(code=code))
        else:
            series = Series.objects.filter(is_default=True).first()
            if series is None:
                raise exc.SeriesNotFound(NO_DEFAULT_SERIES)
        ttl = settings.TRACKING_AUTH_CACHE_SECONDS
        if ttl > 0:
            if len(_series_cache) > 1000:
                _series_cache.clear()
            _series_cache[key] = (series, now + ttl)
    if client is not None and not api_client_may_use(client=client, series=series):
        raise exc.SeriesForbidden(SERIES_FORBIDDEN.format(code=series.code))
    if not series.active:
        raise exc.SeriesNotFound(SERIES_INACTIVE.format(code=series.code))
    return series


_EDITABLE_FIELDS = [
    f.name
    for f in Series._meta.concrete_fields
    if not f.primary_key and f.name != "next_serial"
]


def series_save(*, series: Series, accept_carrier_overlap: bool = False) -> Series:
    """Validate a new or edited series against its scheme, then save it.

    ``end`` defaults to the scheme's largest serial. The range may not
    leave the scheme's serial space, and edits the allocator cannot take
    are refused (``allocation.series_edit_errors``). The check against the
    other series and the save happen under one lock. A new custom series
    whose numbers a carrier's recognizer also accepts is refused unless
    ``accept_carrier_overlap``; the overlap accepted is recorded.
    """
    errors: dict[str, str] = {}
    if series.pk is None:
        errors.update(_fields_not_applying(series))
    try:
        scheme = series.domain_scheme
    except InvalidSchemeParams as e:
        raise exc.ValidationFailed({**e.errors, **errors}) from e
    if series.end is None:
        series.end = scheme.max_serial
    if series.start < 0:
        errors["start"] = "Must be 0 or more."
    if series.end > scheme.max_serial:
        errors["end"] = f"This scheme's largest serial is {scheme.max_serial}."
    if series.end < series.start:
        errors["end"] = "Must be at least start."
    errors.update(_dated_errors(series, scheme))
    creating = series.pk is None
    if creating:
        series.next_serial = series.start
        if series.mode == Series.Mode.SCRAMBLED:
            series.scramble_key_fingerprint = allocation.scramble_key_fingerprint()
    if errors:
        # An edit changes only name, flags and end: what it gets wrong is
        # the stored series' start or format, a conflict (409).
        raise (exc.ValidationFailed if creating else exc.ValidationConflict)(errors)
    # What remains conflicts with stored state or other series: 409.
    with allocation.series_edit_lock():
        conflicts = _code_taken(series) if creating else {}
        if not conflicts:
            conflicts = allocation.series_edit_errors(series)
        if not conflicts and creating and series.scheme == Series.Scheme.CUSTOM:
            conflicts = _carrier_overlap(series, accept=accept_carrier_overlap)
        if not conflicts:
            conflicts = _series_collisions(series)
        if conflicts:
            raise exc.ValidationConflict(conflicts)
        if series.is_default:  # moved, not refused by the one-default rule
            Series.objects.exclude(pk=series.pk).filter(is_default=True).update(
                is_default=False
            )
        try:
            series.full_clean(exclude=["next_serial", "end"])
        except Exception as e:  # django ValidationError
            raise exc.ValidationFailed(
                {k: " ".join(v) for k, v in getattr(e, "message_dict", {}).items()}
                or {"series": str(e)}
            ) from e
        # An edit never writes the allocator's counter (SQLite's next_serial):
        # the value read before the edit is stale once numbers were drawn.
        series.save(update_fields=None if creating else _EDITABLE_FIELDS)
        if creating:
            allocation.allocator_create(series)
    series.__dict__.pop("domain_scheme", None)
    return series


def _code_taken(series: Series) -> dict[str, str]:
    """Refuse a new series' code if another series has it.

    Checked under the series lock, which every save takes: no other create
    can take the code before this one saves.
    """
    if Series.objects.filter(code=series.code).exists():
        return {"code": SERIES_CODE_TAKEN.format(code=series.code)}
    return {}


def _fields_not_applying(series: Series) -> dict[str, str]:
    """Refuse format fields the series' scheme does not use.

    A field left at its default counts as not given; anything else would
    be stored and shown while meaning nothing (a prefix on an S10).
    """
    used = Series.format_fields_of(series.scheme)
    errors = {}
    for name in Series.FORMAT_FIELDS:
        value = getattr(series, name)
        default = Series._meta.get_field(name).get_default()
        if name not in used and value not in (None, "", default):
            # Keyed as the domain and the API name it ("check").
            key = "check" if name == "check_char" else name
            errors[key] = SERIES_FIELD_NOT_APPLICABLE.format(
                scheme=series.get_scheme_display()
            )
    return errors


def _dated_errors(series: Series, scheme) -> dict[str, str]:
    """The time zone must exist; a dated series is not scrambled."""
    errors = {}
    if series.timezone and not zone_exists(series.timezone):
        errors["timezone"] = SERIES_TIMEZONE_INVALID
    if scheme.dated and series.mode == Series.Mode.SCRAMBLED:
        errors["mode"] = SERIES_DATED_SCRAMBLED
    return errors


def _carrier_overlap(series: Series, *, accept: bool) -> dict[str, str]:
    """Record the carrier formats a new series' numbers also satisfy.

    Refuse them unless staff accepted the overlap.
    """
    overlap = carrier_overlap(series.domain_scheme)
    series.carrier_overlap = ", ".join(FORMAT_LABELS[name] for name in overlap)
    if not overlap or accept:
        return {}
    return {
        "accept_carrier_overlap": CARRIER_OVERLAP.format(
            formats=series.carrier_overlap, example=next(iter(overlap.values()))
        )
    }


def _series_collisions(series: Series) -> dict[str, str]:
    """Refuse a series whose numbers could equal another series' numbers.

    The number is unique across all series, so two series that can print
    the same string would fail the UNIQUE constraint sooner or later.
    Schemes that may collide are allowed only when they are the same
    scheme with disjoint serial ranges: a scheme prints distinct serials
    as distinct strings, and a scrambled series stays within its range.
    """
    scheme = series.domain_scheme
    for other in Series.objects.exclude(pk=series.pk):
        if not schemes_may_collide(scheme, other.domain_scheme):
            continue
        disjoint = series.end < other.start or other.end < series.start
        if scheme == other.domain_scheme and disjoint:
            continue
        return {
            "scheme": SERIES_COLLIDES.format(
                other=other.code, start=other.start, end=other.end
            )
        }
    return {}


DEFAULT_SERIES = {
    "code": "default",
    "name": "Default",
    "scheme": Series.Scheme.CUSTOM,
    "prefix": "TN",
    "serial_width": 10,
    "alphabet": Series.Alphabet.DIGITS,
    "check_char": Series.Check.LUHN,
}


def series_ensure_default() -> Series:
    """Return the default series, creating it on a fresh install.

    A bare ``POST /tracking/generate/`` draws from it: ``TN`` + 10 digits
    + a Luhn check digit, sequential.
    """
    series = Series.objects.filter(is_default=True).first()
    if series is not None:
        return series
    existing = Series.objects.filter(code=DEFAULT_SERIES["code"]).first()
    if existing is not None:
        existing.is_default = True
        return series_save(series=existing)
    return series_save(series=Series(is_default=True, **DEFAULT_SERIES))
