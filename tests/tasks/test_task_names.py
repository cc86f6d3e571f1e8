"""The registered task names that stored schedules and queued messages use."""

from __future__ import annotations

from config.celery_app import app


def test_tasks_keep_the_names_stored_schedules_and_queued_messages_refer_to():
    import tracking.tasks  # noqa: F401  (registers the tasks)

    assert {
        "tracking.tasks.batch_run",
        "tracking.tasks.batch_reconcile",
        "tracking.tasks.schedule_batch",
        "tracking.tasks.pool_top_up",
        "tracking.tasks.idempotency_records_purge",
        "tracking.tasks.export_run",
    } <= set(app.tasks)
