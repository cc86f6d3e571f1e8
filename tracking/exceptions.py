"""Errors the services raise, each with a message that says what to fix."""

from __future__ import annotations

SERIES_UNKNOWN = (
    "Unknown series {code!r}. List the series you may use at GET /tracking/series/."
)
SERIES_INACTIVE = (
    "Series {code!r} is not active. Ask an administrator to reactivate it or "
    "use another series."
)
SERIES_FORBIDDEN = (
    "This client may not use series {code!r}. Ask an administrator to grant it."
)
SERIES_EXHAUSTED = (
    "Series {code!r} cannot issue {count} more number(s): {remaining} of its "
    "{capacity} serials are left. Create a new series or extend its range."
)
NO_DEFAULT_SERIES = (
    "No default series is configured. Name a series in the request body."
)
NUMBER_NOT_FOUND = "No tracking number {number!r} was issued to this client."
NUMBER_ALREADY_VOID = "Tracking number {number!r} is already void."
NUMBER_VOID_CANNOT_BE_USED = (
    "Tracking number {number!r} is void and cannot be marked as used."
)
IDEMPOTENCY_KEY_REUSED = (
    "This Idempotency-Key was already used with a different request body. "
    "Use a new key for a new request."
)
IDEMPOTENCY_IN_PROGRESS = (
    "A request with this Idempotency-Key is still being processed. Retry "
    "after it finishes to get its response."
)
NUMBER_COLLISION = (
    "A generated number already exists (an imported number?); nothing was "
    "stored and the serial is skipped. Retry the request; if this repeats, "
    "tell the operators."
)
VOID_REASON_REQUIRED = "Give a reason for voiding the number."
ALLOCATOR_BUSY = (
    "The allocator of series {code!r} is held by a long transaction; "
    "nothing was reserved. Retry in a few seconds."
)
SCRAMBLE_KEY_CHANGED = (
    "Series {code!r} is scrambled with another TRACKING_SCRAMBLE_KEY than "
    "the one configured: the key changed, so its numbers cannot be issued "
    "or read. Restore the key that created the series."
)


class TrackingError(Exception):
    """A request the service refuses; ``message`` is safe to show users."""

    status_code = 400
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class SeriesNotFound(TrackingError):
    field = "series"


class SeriesForbidden(TrackingError):
    status_code = 403
    field = "series"


class SeriesExhausted(TrackingError):
    status_code = 409
    field = "series"


class NumberNotFound(TrackingError):
    status_code = 404


class NumberStateError(TrackingError):
    status_code = 409


class ValidationFailed(TrackingError):
    """Bad values, reported per field in ``errors``."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class IdempotencyMismatch(TrackingError):
    status_code = 422


class IdempotencyInProgress(TrackingError):
    status_code = 409


class NumberCollision(TrackingError):
    status_code = 409


class AllocatorBusy(TrackingError):
    status_code = 503


class ScrambleKeyChanged(TrackingError):
    status_code = 503
    field = "series"
