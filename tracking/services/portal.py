"""Writes the operations portal makes: bulk issue, lifecycle over a selection,
and the checks behind importing externally allocated numbers.

Every function here calls the same number services the API uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F

from tracking import allocation
from tracking import exceptions as exc
from tracking.domain.recognize import normalize
from tracking.domain.schemes import InvalidNumber
from tracking.messages import (
    IMPORT_DATED,
    IMPORT_NUMBER_MALFORMED,
    IMPORT_SERIAL_IN_BATCH,
    IMPORT_SERIAL_UNISSUED,
    SERIES_ALREADY_RESERVED,
    VOID_REASON_REQUIRED,
    VOID_SKIPPED_ALREADY_VOID,
)
from tracking.models import Batch, PortalSubmission, Series, TrackingNumber
from tracking.services.batches import batch_create
from tracking.services.numbers import tracking_number_issue

# Runs up to this size are written in the request and offered as CSV at
# once; larger ones go to the batch machinery (tracking.services.batch_create).
BULK_ISSUE_IN_REQUEST_MAX = 1000


def portal_bulk_issue_once(
    *,
    token: UUID,
    user: AbstractBaseUser,
    series: Series,
    quantity: int,
    reference: str = "",
    metadata: dict[str, Any] | None = None,
) -> PortalSubmission:
    """Issue ``quantity`` numbers for a staff user, once per form ``token``.

    ``reference`` is stored as typed on every number, however many. Small
    runs are one ``tracking_number_issue`` call (one serial block, one
    INSERT); larger ones reserve their block through ``batch_create``, which
    writes in chunks in a worker (in-process without a broker), so no
    request loops over many thousands of rows.

    The submission row is inserted in the issue's transaction: a second
    POST of the same token (double click, resubmitted page) waits on the
    unique token until the first commits, then gets the first one's
    result; if the first failed, nothing was kept and it issues itself.
    ``result`` holds ``{"batch": id}`` or ``{"series": id, "first":
    serial, "count": n}``.
    """
    try:
        with transaction.atomic():
            submission = PortalSubmission.objects.create(token=token, user=user)
            if quantity <= BULK_ISSUE_IN_REQUEST_MAX:
                numbers = tracking_number_issue(
                    series=series,
                    count=quantity,
                    reference=reference,
                    metadata=metadata,
                    issued_by=user,
                )
                submission.result = {
                    "series": series.pk,
                    "first": numbers[0].serial,
                    "count": quantity,
                }
            else:
                batch = batch_create(
                    series=series,
                    quantity=quantity,
                    source=Batch.Source.PORTAL,
                    requested_by=user,
                    reference_prefix=reference,
                    reference_numbered=False,
                    metadata=metadata,
                )
                submission.result = {"batch": batch.pk}
            submission.save(update_fields=["result"])
    except IntegrityError:
        submission = PortalSubmission.objects.filter(token=token, user=user).first()
        if submission is None:
            raise
    return submission


@dataclass
class VoidOutcome:
    """What voiding a selection did: the numbers voided and those skipped."""

    voided: list[TrackingNumber] = field(default_factory=list)
    # (number, why it was skipped), in the selection's order.
    skipped: list[tuple[TrackingNumber, str]] = field(default_factory=list)


def tracking_numbers_void(
    *, numbers: list[TrackingNumber], reason: str, user: AbstractBaseUser | None
) -> VoidOutcome:
    """Void the voidable numbers of a selection; say why each other was skipped.

    The selection is locked in id order, its void numbers are set aside
    with their reason, and the rest is voided in one set-based statement.
    """
    from tracking import services

    if not (reason or "").strip():
        raise exc.ValidationFailed({"reason": VOID_REASON_REQUIRED})
    ids = [n.pk for n in numbers]
    with transaction.atomic():
        current = {
            n.pk: n
            for n in TrackingNumber.objects.filter(pk__in=ids)
            .order_by("pk")
            .select_for_update()
        }
        outcome = VoidOutcome()
        for number in numbers:
            now = current[number.pk]
            if now.status == TrackingNumber.Status.VOID:
                why = VOID_SKIPPED_ALREADY_VOID.format(reason=now.void_reason)
                outcome.skipped.append((now, why))
            else:
                outcome.voided.append(now)
        if outcome.voided:
            services.tracking_numbers_void_by_id(
                ids=[n.pk for n in outcome.voided], reason=reason, user=user
            )
    return outcome


def tracking_numbers_mark_used(
    *, numbers: list[TrackingNumber]
) -> list[TrackingNumber]:
    """Mark every number used or none (a void number refuses the lot)."""
    from tracking import services

    with transaction.atomic():
        return [services.tracking_number_mark_used(number=n) for n in numbers]


def series_reserve_for_import(*, series: Series) -> int:
    """Hand the rest of a series' range to imports; return how many serials.

    The allocator reserves every remaining serial in one block, exactly as
    a batch would, so it can never issue them itself: numbers a carrier or
    GS1 allocated elsewhere can then be imported into the range without
    ever colliding with a number issued here. The series is exhausted for
    issuing afterwards.
    """
    remaining = allocation.series_remaining(series)
    if remaining <= 0:
        raise exc.SeriesExhausted(SERIES_ALREADY_RESERVED.format(code=series.code))
    allocation.serial_block_allocate(series=series, count=remaining)
    return remaining


def tracking_number_import_check(*, series: Series, number: str) -> tuple[str, int]:
    """Validate one imported number; return it normalized with its serial.

    Format and check character must be the series'; the serial must lie in
    the part of the range the allocator has already passed, because a
    serial it has not reached yet would be handed out again later and
    collide (see ``series_reserve_for_import``), and outside the block of
    any batch that has not finished writing it.
    """
    value = normalize(number or "")
    if series.domain_scheme.dated:
        # Its numbers tell their day only as far as the tokens do.
        raise exc.TrackingError(IMPORT_DATED.format(code=series.code), field="series")
    try:
        serial = allocation.series_serial_parse(series=series, number=value)
    except (InvalidNumber, ValueError) as e:
        raise exc.TrackingError(
            IMPORT_NUMBER_MALFORMED.format(code=series.code, error=e), field="number"
        ) from e
    # A batch being created right now has its block behind the allocator
    # but its row not yet committed: wait for it, so the check below sees it.
    allocation.series_reservations_settle(series)
    if serial >= allocation.series_next_serial(series):
        raise exc.TrackingError(
            IMPORT_SERIAL_UNISSUED.format(serial=serial, code=series.code),
            field="number",
        )
    # A batch's block is passed by the allocator when the batch is created,
    # long before its run writes the block's numbers.
    batch = (
        Batch.objects.filter(series=series, first_serial__lte=serial)
        .alias(end=F("first_serial") + F("quantity"))
        .filter(end__gt=serial)
        .exclude(status=Batch.Status.DONE)
        .first()
    )
    if batch is not None:
        raise exc.TrackingError(
            IMPORT_SERIAL_IN_BATCH.format(
                serial=serial, batch=batch.pk, status=batch.get_status_display()
            ),
            field="number",
        )
    return value, serial
