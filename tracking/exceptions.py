"""Every error the services raise: its message (from tracking.messages) says
what to fix, its status_code is the HTTP answer."""

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


class BatchNotFound(TrackingError):
    status_code = 404


class BatchStateError(TrackingError):
    status_code = 409


class BrokerUnavailable(TrackingError):
    status_code = 503


class BatchForbidden(TrackingError):
    status_code = 403


class TooManyOpenBatches(TrackingError):
    status_code = 429


class RateCostTooHigh(TrackingError):
    status_code = 429
