"""One place that turns every API error into a clear 4xx (or 503) JSON body."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from tracking.exceptions import TrackingError, ValidationFailed
from tracking.messages import BODY_NOT_JSON, DATABASE_UNAVAILABLE, TOKEN_MISSING

logger = logging.getLogger(__name__)

# Seconds a client should wait before retrying after DATABASE_UNAVAILABLE:
# a restarting PostgreSQL is usually back within a few seconds.
DATABASE_RETRY_AFTER = "2"


def api_exception_handler(exc, context):
    """Body: ``{"detail": "...", "errors": {"field": ["..."]}}``.

    ``detail`` always says what went wrong and what to do; ``errors`` names
    the fields at fault when there are any. A database that cannot be
    reached (restarting, failing over, connections dropped) is a 503 with
    ``Retry-After``, never a 500: nothing was stored that a retry with the
    same Idempotency-Key would not find, and a retry is the right move.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", str(exc).strip()[:200])
        return Response(
            {"detail": DATABASE_UNAVAILABLE},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": DATABASE_RETRY_AFTER},
        )
    if isinstance(exc, ValidationFailed):
        return Response(
            {
                "detail": "Invalid input: " + exc.message,
                "errors": {k: [v] for k, v in exc.errors.items()},
            },
            status=exc.status_code,
        )
    if isinstance(exc, TrackingError):
        body = {"detail": exc.message}
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        return Response(body, status=exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        errors = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {"non_field_errors": exc.detail}
        )
        summary = "; ".join(
            f"{field}: {' '.join(str(m) for m in _flatten(msgs))}"
            for field, msgs in errors.items()
        )
        return Response(
            {"detail": f"Invalid input: {summary}", "errors": errors},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, exceptions.NotAuthenticated):
        response = exception_handler(exc, context)
        response.data = {"detail": TOKEN_MISSING}
        return response
    if isinstance(exc, exceptions.ParseError):
        return Response({"detail": exc.detail}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        sent = context["request"].content_type.split(";")[0] or "no type"
        return Response(
            {"detail": BODY_NOT_JSON.format(sent=sent)},
            status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    return exception_handler(exc, context)


def _flatten(msgs):
    if isinstance(msgs, dict):
        for v in msgs.values():
            yield from _flatten(v)
    elif isinstance(msgs, list):
        for v in msgs:
            yield from _flatten(v)
    else:
        yield msgs
