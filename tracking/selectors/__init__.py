"""Every read of the tracking app."""

from tracking.selectors.batches import (
    batch_list,
    idempotency_key_answered,
    schedule_last_batch,
)
from tracking.selectors.clients import (
    api_client_in_use,
    api_client_may_batch,
    api_client_may_use,
    api_client_series_ids,
)
from tracking.selectors.numbers import (
    tracking_number_get,
    tracking_number_list,
    tracking_number_search,
    tracking_number_typed,
    tracking_number_validate,
    tracking_number_visible,
)
from tracking.selectors.portal import (
    SeriesUsage,
    portal_dashboard,
    series_usage_list,
    series_voided_counts,
    tracking_number_count_capped,
    tracking_number_daily_counts,
)
from tracking.selectors.series import (
    PREVIEW_MAX,
    SeriesPreview,
    series_draft_first_number,
    series_get_visible,
    series_list,
    series_preview,
    series_previews,
)

__all__ = [
    "PREVIEW_MAX",
    "SeriesPreview",
    "SeriesUsage",
    "api_client_in_use",
    "api_client_may_batch",
    "api_client_may_use",
    "api_client_series_ids",
    "batch_list",
    "idempotency_key_answered",
    "portal_dashboard",
    "schedule_last_batch",
    "series_draft_first_number",
    "series_get_visible",
    "series_list",
    "series_preview",
    "series_previews",
    "series_usage_list",
    "series_voided_counts",
    "tracking_number_count_capped",
    "tracking_number_daily_counts",
    "tracking_number_get",
    "tracking_number_list",
    "tracking_number_search",
    "tracking_number_typed",
    "tracking_number_validate",
    "tracking_number_visible",
]
