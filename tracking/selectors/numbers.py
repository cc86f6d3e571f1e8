"""Reads of tracking numbers: lists, lookups, search and validation."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet

from tracking import exceptions as exc
from tracking.allocation import (
    series_number_format,
)
from tracking.domain.gs1 import sscc_from_element_string
from tracking.domain.recognize import first_non_ascii, normalize, recognize_matches
from tracking.filters import TrackingNumberFilter, reference_matches
from tracking.messages import (
    NO_FORMAT,
    NOT_ASCII,
    NUMBER_NOT_FOUND,
)
from tracking.models import (
    ApiClient,
    Series,
    TrackingNumber,
)
from tracking.selectors.series import _series_parse


def tracking_number_visible(*, client: ApiClient | None) -> QuerySet[TrackingNumber]:
    """Numbers a client may see: its own, or all for series administrators."""
    qs = TrackingNumber.objects.select_related("series", "batch")
    if client is not None and not client.can_admin_series:
        qs = qs.filter(client=client)
    return qs


def tracking_number_list(
    *, client: ApiClient | None, filters: dict[str, Any] | None = None
) -> QuerySet[TrackingNumber]:
    qs = tracking_number_visible(client=client)
    filterset = TrackingNumberFilter(filters or {}, qs)
    if not filterset.is_valid():
        raise exc.ValidationFailed(
            {k: " ".join(v) for k, v in filterset.errors.items()}
        )
    try:
        return filterset.qs
    except DjangoValidationError as e:
        raise exc.ValidationFailed(
            {k: " ".join(v) for k, v in e.message_dict.items()}
        ) from e


def tracking_number_typed(raw: str) -> tuple[str, str | None]:
    """The number as typed (normalized) and the SSCC a GS1 scan of it holds.

    A scanner sends an SSCC as a GS1 element string (``]C100...``, FNC1,
    ``(00)...``); the stored SSCC is its 18 digits.
    """
    return normalize(raw), sscc_from_element_string(raw)


def tracking_number_get(*, client: ApiClient | None, number: str) -> TrackingNumber:
    wanted, sscc = tracking_number_typed(number)
    # number is unique: no ORDER BY (first() would sort by the model's ordering).
    found = next(
        iter(
            tracking_number_visible(client=client)
            .filter(number__in={wanted, sscc or wanted})
            .order_by()
        ),
        None,
    )
    if found is None:
        # A typo in the check character is worth naming as such.
        _, _, wrong_check = _series_parse(client=client, number=wanted)
        raise exc.NumberNotFound(
            wrong_check[0] if wrong_check else NUMBER_NOT_FOUND.format(number=wanted)
        )
    return found


def tracking_number_validate(
    *, client: ApiClient | None, tracking_number: str, strict: bool = False
) -> dict[str, Any]:
    """Check a string against the standard formats and our own series.

    Needs no stored number: format and check character (and the inverse
    permutation of scrambled series) say whether a series could have made
    it. Only series the client may use are tried, so an answer never names
    another's series. ``issued`` is True for the client's own numbers; for
    any other number an ordinary client gets None whether or not someone
    else holds it, so validate cannot probe other clients' numbers. Series
    administrators see every number, so they get True or False. A number
    read leniently (Crockford's I, L, O) is answered as printed. ``strict``
    keeps only formats whose check character was verified.
    """
    value, sscc = tracking_number_typed(tracking_number)
    if sscc is not None and not value.isdigit():
        value = sscc  # "(00)...", "]C1...": only the SSCC is a number
    matches = recognize_matches(value, strict=strict)
    errors: list[str] = []
    matched: Series | None = None
    non_ascii = first_non_ascii(value)
    if non_ascii is not None:
        position, char = non_ascii
        errors.append(NOT_ASCII.format(position=position, char=char))
    else:
        matched, serial, wrong_check = _series_parse(client=client, number=value)
        # A dated number tells its day only as far as its tokens do.
        if matched is not None and not matched.domain_scheme.dated:
            value = series_number_format(series=matched, serial=serial)
        if not matches and matched is None:
            errors.extend(wrong_check or [NO_FORMAT])
    issued: bool | None = (
        tracking_number_visible(client=client)
        .filter(number__in={value, sscc or value})
        .exists()
    )
    if not issued and client is not None and not client.can_admin_series:
        issued = None
    return {
        "tracking_number": value,
        "valid": bool(matches) or matched is not None,
        "formats": [m.format for m in matches],
        "matches": [dataclasses.asdict(m) for m in matches],
        "issued": issued,
        "series": matched.code if matched else None,
        "errors": errors,
    }


def tracking_number_search(
    qs: QuerySet[TrackingNumber], term: str
) -> QuerySet[TrackingNumber]:
    """Filter by number prefix, a scanned SSCC or exact reference.

    The number is normalized (case and spaces ignored, as typed from a
    label), so ``number LIKE 'X%'`` uses the pattern-ops index; a GS1 scan
    (``]C100...``, ``(00)...``) also finds its SSCC by ``number = X``. The
    reference is compared ignoring case on the ``UPPER(reference)`` index
    (migration 0014). No ``icontains``: it would scan the whole table.
    """
    term = (term or "").strip()
    if not term:
        return qs
    wanted, sscc = tracking_number_typed(term)
    found = Q(number__startswith=wanted) | reference_matches(term)
    if sscc is not None:
        found |= Q(number=sscc)
    return qs.filter(found)
