"""Post-processing of the generated OpenAPI schema."""

from __future__ import annotations


def forbid_unknown_request_fields(result, generator, request, public):
    """Mark every request body as closed (``additionalProperties: false``).

    The API answers 400 to fields it does not take (see ``_body`` in
    views), and the schema says so, so clients and fuzzers agree.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for path in result.get("paths", {}).values():
        for operation in path.values():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                name = ref.rsplit("/", 1)[-1]
                if name in schemas:
                    schemas[name]["additionalProperties"] = False
    return result


def add_unsupported_media_type(result, generator, request, public):
    """415 on every operation that takes a body: it reads JSON only."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation["responses"].setdefault(
                    "415",
                    {
                        "description": "The body is not sent as "
                        "Content-Type: application/json.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Error"}
                            }
                        },
                    },
                )
    return result


# (operation, status, link name, target operation, path parameter, body value)
# The generate links hold for its single-number answer; a ``count`` answer
# (``{"results": [...]}``) has no top-level number, which the fuzzer notes.
_LINKS = [
    ("tracking_generate", "201", "GetNumber", "tracking_numbers_retrieve",
     "number", "$response.body#/tracking_number"),
    ("tracking_generate", "201", "VoidNumber", "tracking_numbers_void_create",
     "number", "$response.body#/tracking_number"),
    ("tracking_batch_create", "202", "GetBatch", "tracking_batches_retrieve",
     "batch_id", "$response.body#/id"),
    ("tracking_batch_create", "202", "CancelBatch",
     "tracking_batches_cancel_create", "batch_id", "$response.body#/id"),
    ("tracking_series_create", "201", "GetSeries", "tracking_series_retrieve",
     "code", "$response.body#/code"),
    ("tracking_series_create", "201", "UpdateSeries",
     "tracking_series_partial_update", "code", "$response.body#/code"),
]  # fmt: skip


def add_links(result, generator, request, public):
    """OpenAPI links from what creates a resource to what reads it.

    Clients see which response value feeds which path parameter, and the
    fuzzer's stateful phase reads, voids and cancels what it created
    instead of guessing identifiers that do not exist.
    """
    operations = {
        op["operationId"]: op
        for path in result.get("paths", {}).values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    for source, status, name, target, parameter, value in _LINKS:
        response = operations[source]["responses"][status]
        response.setdefault("links", {})[name] = {
            "operationId": target,
            "parameters": {parameter: value},
        }
    return result
