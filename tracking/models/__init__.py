"""Tables of the tracking number generator: fields, constraints and indexes."""

from tracking.models.batches import Batch, Schedule, ScheduleRun
from tracking.models.clients import ApiClient
from tracking.models.numbers import IdempotencyRecord, TrackingNumber
from tracking.models.portal import ExportJob, PortalSubmission
from tracking.models.series import (
    Series,
    SeriesCodeField,
    SeriesPeriod,
    series_code_validator,
)

__all__ = [
    "ApiClient",
    "Batch",
    "ExportJob",
    "IdempotencyRecord",
    "PortalSubmission",
    "Schedule",
    "ScheduleRun",
    "Series",
    "SeriesCodeField",
    "SeriesPeriod",
    "TrackingNumber",
    "series_code_validator",
]
