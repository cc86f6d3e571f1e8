"""The Idempotency-Key: a POST answered once per key, whatever retries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from tracking import services
from tracking.exceptions import ValidationFailed
from tracking.messages import IDEMPOTENCY_KEY_EMPTY, IDEMPOTENCY_KEY_TOO_LONG

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255},
    OpenApiParameter.HEADER,
    description="Retry-safe key: a repeat with the same key and "
    "body returns the stored response (kept 48 hours); the same key with "
    "another body is a 409.",
)


def idempotency_of(request) -> tuple[str, str] | None:
    """The request's Idempotency-Key and a hash of its JSON body, or None."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    # An empty key is a client bug (a template without its value): taken as
    # no key, every retry would issue new numbers.
    if not key.strip():
        raise ValidationFailed({"Idempotency-Key": IDEMPOTENCY_KEY_EMPTY})
    if len(key) > 255:
        raise ValidationFailed({"Idempotency-Key": IDEMPOTENCY_KEY_TOO_LONG})
    body = json.dumps(request.data, sort_keys=True, default=str).encode()
    return key, hashlib.sha256(body).hexdigest()


def respond_once(
    request,
    respond: Callable[[Any], tuple[int, dict[str, Any]]],
    reserve: Callable[[], Any] = lambda: None,
) -> Response:
    """``respond(reserved)``'s (status, body) as the response, once per
    Idempotency-Key (``services.idempotent_response``); without a key,
    ``respond(None)``."""
    idempotency = idempotency_of(request)
    if idempotency is None:
        code, body = respond(None)
    else:
        key, request_hash = idempotency
        code, body = services.idempotent_response(
            client=request.user,
            key=key,
            request_hash=request_hash,
            respond=respond,
            reserve=reserve,
        )
    return Response(body, status=code)
