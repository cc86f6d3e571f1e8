"""Every error the services raise: its message (from tracking.messages) says
what to fix, its class the HTTP answer (``status_code``) and, where one is
to blame, the field (``field``)."""

from __future__ import annotations


class TrackingError(Exception):
    """A request the service refuses; ``message`` is safe to show users."""

    status_code = 400
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class ValidationFailed(TrackingError):
    """Bad values, reported per field in ``errors``."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# By HTTP answer: each error below says only what it is about.


class Forbidden(TrackingError):
    status_code = 403


class NotFound(TrackingError):
    status_code = 404


class Conflict(TrackingError):
    status_code = 409


class TooMany(TrackingError):
    status_code = 429


class Unavailable(TrackingError):
    status_code = 503


class ValidationConflict(ValidationFailed):
    """Values that conflict with stored state (issued serials, another
    series' numbers): the same request may succeed against other data."""

    status_code = 409


class SeriesNotFound(NotFound):
    """Unknown or inactive series."""

    field = "series"


class SeriesForbidden(Forbidden):
    field = "series"


class SeriesExhausted(Conflict):
    field = "series"


class ScrambleKeyChanged(Unavailable):
    field = "series"


class IdempotencyMismatch(Conflict):
    """The same Idempotency-Key with another body."""


class NumberNotFound(NotFound):
    """Not issued, or not to this client."""


class NumberStateError(Conflict):
    """Not possible for a void number: void it again, use it, print it."""


class NumberCollision(Conflict):
    """A generated number already exists (an imported one)."""


class IdempotencyInProgress(Conflict):
    """The first request with this key has not finished."""


class AllocatorBusy(Unavailable):
    """The allocator's lock was not free in time."""


class CursorInvalid(NotFound):
    """A cursor no page of this list gave: no such page."""

    field = "cursor"


class BatchNotFound(NotFound):
    """Not created by this client."""


class BatchStateError(Conflict):
    """Cannot be cancelled or retried in its state."""


class BatchForbidden(Forbidden):
    """The client may not create batches."""


class BrokerUnavailable(Unavailable):
    """The task queue is not reachable; nothing was reserved."""


class TooManyOpenBatches(TooMany):
    """The client has its maximum of unfinished batches."""


class RateCostTooHigh(TooMany):
    """The request costs more numbers than the client's rate allows."""
