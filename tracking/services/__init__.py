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
    batch_require_finished,
    batch_resume,
    batch_resume_all,
    batch_retry,
    batch_stalled_q,
    broker_available,
)
from tracking.services.clients import (
    api_client_create,
    api_client_rotate_token,
    api_rate_validate,
    api_token_hash,
)
from tracking.services.exports import (
    EXPORT_COLUMNS,
    export_create,
    export_fail,
    export_file_path,
    export_files_purge,
    export_run,
    export_write,
)
from tracking.services.labels import (
    LABEL_LAYOUTS,
    batch_labels,
    labels_render,
    tracking_number_barcode,
    tracking_number_label,
    tracking_number_labels,
)
from tracking.services.numbers import (
    idempotency_records_purge,
    idempotent_response,
    tracking_number_issue,
    tracking_number_mark_used,
    tracking_number_void,
    tracking_numbers_void_by_id,
)
from tracking.services.portal import (
    BULK_ISSUE_IN_REQUEST_MAX,
    portal_bulk_issue_once,
    series_reserve_for_import,
    tracking_number_import_check,
    tracking_numbers_mark_used,
    tracking_numbers_void,
)
from tracking.services.schedules import (
    periodic_tasks_sync,
    pool_rule_save,
    pool_top_up,
    pool_unassigned,
    schedule_batch_run,
    schedule_batch_save,
    schedule_check,
    schedule_run_now,
    schedule_slot,
)
from tracking.services.series import (
    DEFAULT_SERIES,
    series_ensure_default,
    series_get,
    series_save,
)

__all__ = [
    "BATCH_QUANTITY_MAX",
    "BULK_ISSUE_IN_REQUEST_MAX",
    "DEFAULT_SERIES",
    "EXPORT_COLUMNS",
    "LABEL_LAYOUTS",
    "api_client_create",
    "api_client_rotate_token",
    "api_rate_validate",
    "api_token_hash",
    "batch_cancel",
    "batch_create",
    "batch_fail",
    "batch_get_visible",
    "batch_labels",
    "batch_numbers_csv",
    "batch_reconcile",
    "batch_require_finished",
    "batch_resume",
    "batch_resume_all",
    "batch_retry",
    "batch_run",
    "batch_stalled_q",
    "broker_available",
    "export_create",
    "export_fail",
    "export_file_path",
    "export_files_purge",
    "export_run",
    "export_write",
    "idempotency_records_purge",
    "idempotent_response",
    "labels_render",
    "periodic_tasks_sync",
    "pool_rule_save",
    "pool_top_up",
    "pool_unassigned",
    "portal_bulk_issue_once",
    "schedule_batch_run",
    "schedule_batch_save",
    "schedule_check",
    "schedule_run_now",
    "schedule_slot",
    "series_ensure_default",
    "series_get",
    "series_reserve_for_import",
    "series_save",
    "tracking_number_barcode",
    "tracking_number_import_check",
    "tracking_number_issue",
    "tracking_number_label",
    "tracking_number_labels",
    "tracking_number_mark_used",
    "tracking_number_void",
    "tracking_numbers_mark_used",
    "tracking_numbers_void",
    "tracking_numbers_void_by_id",
]
