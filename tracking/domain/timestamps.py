"""The one way a timestamp is written for people and clients: ISO 8601, UTC.

The API, every export file and the batch CSV write ``iso_utc`` (the text of
DRF's DateTimeField: microseconds only when there are any, ``Z`` for UTC);
SQL that writes files uses ``iso_utc_sql``, which gives the same text.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``; None stays None.

    >>> iso_utc(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    '2026-11-24T08:00:00Z'
    >>> iso_utc(datetime(2026, 11, 24, 8, 0, 0, 120, tzinfo=UTC))
    '2026-11-24T08:00:00.000120Z'
    """
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().removesuffix("+00:00") + "Z"


def iso_utc_sql(column: str) -> str:
    """``iso_utc`` as a PostgreSQL expression over a timestamptz ``column``.

    ``column`` is an SQL identifier or expression written by the caller,
    never input. NULL stays NULL.
    """
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"|| CASE WHEN date_trunc('second', {utc}) = {utc} THEN '' "
        f"ELSE to_char({utc}, '.US') END || 'Z'"
    )
