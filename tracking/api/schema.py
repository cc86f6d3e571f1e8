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
