"""Post-processing of the generated OpenAPI schema."""

from __future__ import annotations

import re


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


# gunicorn's default limit_request_line: a longer request line (method,
# path, query) is answered by gunicorn itself, before Django, in HTML.
REQUEST_LINE_LIMIT = 4094


def add_uri_too_long(result, generator, request, public):
    """414 on every operation whose URL a client fills in (path or query
    parameters): past the server's request-line limit gunicorn refuses the
    request before the API reads it."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            places = {p.get("in") for p in operation.get("parameters", [])}
            if places & {"path", "query"}:
                operation["responses"].setdefault(
                    "414",
                    {
                        "description": "The request line is longer than "
                        f"{REQUEST_LINE_LIMIT:,} bytes: shorten the path or "
                        "query. The web server answers this in HTML, "
                        "before the API.",
                        "content": {"text/html": {"schema": {"type": "string"}}},
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
    links = list(_LINKS)
    # Then every other route of the resource (labels, barcodes, its CSV),
    # each under its operationId.
    creators = {row[4]: row for row in _LINKS if row[3].endswith("_retrieve")}
    named = {row[3] for row in _LINKS}
    for route, path in result.get("paths", {}).items():
        parameters = re.findall(r"{(\w+)}", route)
        if len(parameters) != 1 or parameters[0] not in creators:
            continue
        source, status, _, _, parameter, value = creators[parameters[0]]
        for op in path.values():
            if isinstance(op, dict) and op["operationId"] not in named:
                target = op["operationId"]
                links.append((source, status, target, target, parameter, value))
    for source, status, name, target, parameter, value in links:
        response = operations[source]["responses"][status]
        response.setdefault("links", {})[name] = {
            "operationId": target,
            "parameters": {parameter: value},
        }
    return result


# PostgreSQL text cannot hold NUL, so no string the API takes may contain
# one; a required string must also hold something besides white space as
# DRF trims it (str.strip(), which is not JSON Schema's \s), or it is blank.
_TRIMMED = "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace())
_NO_NUL = r"^[^\x00]*$"
_NOT_BLANK = rf"^[^\x00]*[^{_TRIMMED}\x00][^\x00]*$"


def _state_string_rules(schema) -> None:
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not (
        {"enum", "format", "pattern"} & set(schema)
    ):
        schema["pattern"] = _NOT_BLANK if schema.get("minLength", 0) >= 1 else _NO_NUL
    for value in schema.values():
        if isinstance(value, dict):
            _state_string_rules(value)
        elif isinstance(value, list):
            for item in value:
                _state_string_rules(item)


def state_string_rules(result, generator, request, public):
    """Say in the schema what every string field accepts (see above)."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST: what clients send
            _state_string_rules(schema)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict):
                for parameter in operation.get("parameters", []):
                    _state_string_rules(parameter.get("schema"))
    return result


_ERROR_SCHEMA = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_NO_SUCH_PAGE = "No such page: the cursor is not one this list gave."
_NO_SUCH_SERIES = "No such series (unknown or inactive)."
_CONFLICT = (
    "Conflicts with stored state: serials already issued, another series' "
    "numbers, a carrier's format, or an Idempotency-Key used with another body."
)


def document_not_found_and_conflicts(result, generator, request, public):
    """404 where a cursor or a series is named, 409 where state may conflict."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            responses = operation["responses"]
            params = {p.get("name") for p in operation.get("parameters", [])}
            body = operation.get("requestBody", {}).get("content", {})
            ref = next(iter(body.values()), {}).get("schema", {}).get("$ref", "")
            properties = (
                result["components"]["schemas"]
                .get(ref.rsplit("/", 1)[-1], {})
                .get("properties", {})
            )
            if "cursor" in params:
                responses.setdefault(
                    "404", {"description": _NO_SUCH_PAGE, "content": _ERROR_SCHEMA}
                )
            if "series" in properties:
                responses.setdefault(
                    "404", {"description": _NO_SUCH_SERIES, "content": _ERROR_SCHEMA}
                )
            if body and (
                "series" in properties
                or operation.get("operationId", "").startswith("tracking_series")
            ):
                responses.setdefault(
                    "409", {"description": _CONFLICT, "content": _ERROR_SCHEMA}
                )
    return result


_METADATA_VALUE = "#/components/schemas/MetadataValue"


def state_metadata_rules(result, generator, request, public):
    """Metadata is any JSON object whose text holds no NUL, keys included,
    at any depth (PostgreSQL's jsonb refuses \\u0000): a recursive schema."""
    schemas = result["components"]["schemas"]
    no_nul = {"pattern": _NO_NUL}
    schemas["MetadataValue"] = {
        "description": "Any JSON value; no string or key holds NUL.",
        "type": ["object", "array", "string", "number", "boolean", "null"],
        **no_nul,
        "propertyNames": no_nul,
        "additionalProperties": {"$ref": _METADATA_VALUE},
        "items": {"$ref": _METADATA_VALUE},
    }
    for name, schema in schemas.items():
        metadata = schema.get("properties", {}).get("metadata")
        if name.endswith("Request") and metadata:
            metadata.update(
                type="object",
                propertyNames=no_nul,
                additionalProperties={"$ref": _METADATA_VALUE},
            )
    return result
