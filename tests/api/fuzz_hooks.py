"""Schemathesis hooks (SCHEMATHESIS_HOOKS) for the rules JSON Schema cannot
state, which relate one value to another: the schema's descriptions say
them, and the fuzzer leaves out the requests that break them.

- a series' ``start`` may not exceed its ``end``;
- ``metadata`` is at most 4,096 characters as JSON
  (``tracking.api.serializers.validate_metadata``).
"""

from __future__ import annotations

import json

import schemathesis

METADATA_MAX_JSON = 4096


@schemathesis.hook
def filter_case(context, case):
    body = case.body
    if not isinstance(body, dict):
        return True
    start, end = body.get("start", 0), body.get("end")
    if (
        context.operation.label == "POST /tracking/series/"
        and type(start) is int
        and type(end) is int
        and start > end
    ):
        return False
    metadata = body.get("metadata")
    return not (
        isinstance(metadata, dict) and len(json.dumps(metadata)) > METADATA_MAX_JSON
    )
