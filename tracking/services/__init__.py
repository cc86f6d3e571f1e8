"""Every write of the tracking app, one module per area.

Callers import from ``tracking.services``; this list is the package's whole
public interface, each name imported from the module that defines it.
"""

from tracking.services.batch_csv import batch_numbers_csv
from tracking.services.batch_runs import batch_run
from tracking.services.batches import (
    BATCH_QUANTITY_MAX,
    batch_cancel,
    batch_create,
    batch_fail,
    batch_get_visible,
    batch_reconcile,
    batch_retry,
    broker_available,
)
from tracking.services.exports import (
    EXPORT_COLUMNS,
    export_create,
    export_file_path,
    export_files_purge,
    export_run,
)
from tracking.services.numbers import (
    api_client_create,
    api_client_rotate_token,
    api_rate_validate,
    api_token_hash,
    idempotency_records_purge,
    tracking_number_issue,
    tracking_number_issue_idempotent,
    tracking_number_mark_used,
    tracking_number_void,
    tracking_numbers_void_by_id,
)
from tracking.services.portal import (
    BULK_ISSUE_IN_REQUEST_MAX,
    BulkIssueResult,
    portal_bulk_issue,
    portal_bulk_issue_once,
    series_reserve_for_import,
    tracking_number_import_check,
    tracking_numbers_mark_used,
    tracking_numbers_void,
)
from tracking.services.schedules import (
    POOL_TOP_UP_TASK,
    SCHEDULE_BATCH_TASK,
    periodic_tasks_sync,
    pool_rule_save,
    pool_top_up,
    pool_unassigned,
    schedule_batch_run,
    schedule_batch_save,
    schedule_check,
    schedule_slot,
)
from tracking.services.series import (
    DEFAULT_SERIES,
    api_client_may_use,
    api_client_series_ids,
    series_ensure_default,
    series_get,
    series_save,
)

__all__ = [
    "BATCH_QUANTITY_MAX",
    "BULK_ISSUE_IN_REQUEST_MAX",
    "DEFAULT_SERIES",
    "EXPORT_COLUMNS",
    "POOL_TOP_UP_TASK",
    "SCHEDULE_BATCH_TASK",
    "BulkIssueResult",
    "api_client_create",
    "api_client_may_use",
    "api_client_rotate_token",
    "api_client_series_ids",
    "api_rate_validate",
    "api_token_hash",
    "batch_cancel",
    "batch_create",
    "batch_fail",
    "batch_get_visible",
    "batch_numbers_csv",
    "batch_reconcile",
    "batch_retry",
    "batch_run",
    "broker_available",
    "export_create",
    "export_file_path",
    "export_files_purge",
    "export_run",
    "idempotency_records_purge",
    "periodic_tasks_sync",
    "pool_rule_save",
    "pool_top_up",
    "pool_unassigned",
    "portal_bulk_issue",
    "portal_bulk_issue_once",
    "schedule_batch_run",
    "schedule_batch_save",
    "schedule_check",
    "schedule_slot",
    "series_ensure_default",
    "series_get",
    "series_reserve_for_import",
    "series_save",
    "tracking_number_import_check",
    "tracking_number_issue",
    "tracking_number_issue_idempotent",
    "tracking_number_mark_used",
    "tracking_number_void",
    "tracking_numbers_mark_used",
    "tracking_numbers_void",
    "tracking_numbers_void_by_id",
]
