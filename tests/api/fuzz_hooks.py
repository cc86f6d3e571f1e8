"""Schemathesis hooks (SCHEMATHESIS_HOOKS) for the rules JSON Schema cannot
state, which relate one value to another: the schema's descriptions say
them, and the fuzzer leaves out the requests that break them.

- a series' ``start`` may not exceed its ``end``;
- a custom series' date tokens, in prefix and suffix together, tell the
  periods of its ``counter_reset`` apart (``periods.period_errors``);
- ``metadata`` is at most 4,096 characters as JSON
  (``tracking.api.serializers.validate_metadata``).
"""

from __future__ import annotations

import json

import schemathesis

from tracking.domain import periods

METADATA_MAX_JSON = 4096


@schemathesis.hook
def filter_case(context, case):
    body = case.body
    if not isinstance(body, dict):
        return True
    if context.operation.label == "POST /tracking/series/" and (
        _starts_past_end(body) or _tokens_miss_periods(body)
    ):
        return False
    metadata = body.get("metadata")
    return not (
        isinstance(metadata, dict) and len(json.dumps(metadata)) > METADATA_MAX_JSON
    )


def _starts_past_end(body: dict) -> bool:
    start, end = body.get("start", 0), body.get("end")
    # 5.0 is the integer 5 to JSON Schema 2020-12 and to the API.
    return _is_number(start) and _is_number(end) and start > end


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _tokens_miss_periods(body: dict) -> bool:
    # None and "" take the default, as in tracking.domain.schemes.
    prefix, suffix = body.get("prefix") or "", body.get("suffix") or ""
    reset = body.get("counter_reset") or "never"
    month = body.get("fiscal_start_month") or 1
    if not (
        body.get("scheme") == "custom"
        and isinstance(prefix, str)
        and isinstance(suffix, str)
        and reset in periods.RESETS
    ):
        return False
    errors = periods.period_errors(f"{prefix}|{suffix}", reset, month)
    return "counter_reset" in errors
