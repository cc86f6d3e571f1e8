"""What every API view shares: the documented error answers, and strict
body and query parsing."""

from __future__ import annotations

import functools

from drf_spectacular.utils import OpenApiResponse, extend_schema

from tracking.api.serializers import ErrorSerializer
from tracking.exceptions import ValidationFailed
from tracking.messages import (
    BODY_NOT_OBJECT,
    PARAMETER_REPEATED,
    UNKNOWN_FIELD,
    UNKNOWN_PARAMETER,
)

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input; see detail."),
    401: OpenApiResponse(ErrorSerializer, description="Missing or bad token."),
    429: OpenApiResponse(ErrorSerializer, description="Rate limit reached."),
    503: OpenApiResponse(
        ErrorSerializer,
        description="The database is unavailable (see Retry-After); retry "
        "with the same Idempotency-Key.",
    ),
}
NUMBER_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such number issued to this client."
)
BATCH_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such batch created by this client."
)
SERIES_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such series visible to this client."
)


def state_change_schema(*, answer, not_found, conflict: str, request=None):
    """The OpenAPI description of an action on one resource (void, cancel):
    its new state, or why it is not there or cannot change."""
    return extend_schema(
        request=request,
        responses={
            200: answer,
            404: not_found,
            409: OpenApiResponse(ErrorSerializer, description=conflict),
            **ERRORS,
        },
    )


@functools.cache
def _writable_fields(serializer_class) -> frozenset[str]:
    fields = serializer_class().fields.items()
    return frozenset(name for name, field in fields if not field.read_only)


def request_body(request, serializer_class=None) -> dict:
    """The JSON object sent, refusing fields the operation does not take.

    A misspelt or read-only field (``refernce``, ``status``, ``number``)
    is an error rather than silently dropped, so a client learns at once
    that it did not set what it meant to.
    """
    data = request.data
    if not isinstance(data, dict):
        raise ValidationFailed({"non_field_errors": BODY_NOT_OBJECT})
    if serializer_class is not None:
        writable = _writable_fields(serializer_class)
        unknown = sorted(set(data) - writable)
        if unknown:
            message = UNKNOWN_FIELD.format(allowed=", ".join(sorted(writable)))
            raise ValidationFailed(dict.fromkeys(unknown, message))
    return data


def request_body_data(request, serializer_class) -> dict:
    """The JSON object sent (``request_body``), validated by
    ``serializer_class``."""
    serializer = serializer_class(data=request_body(request, serializer_class))
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def request_query(request, allowed: frozenset[str]):
    """The query parameters, refusing any the operation does not take and
    any given more than once.

    A misspelt filter (``?refrence=``) would otherwise be ignored and
    answer every number, as if it had matched; of ``?count=2&count=3``
    one value would be used and the other dropped unseen. Every operation
    that takes query parameters reads them here.
    """
    query = request.query_params
    unknown = sorted(set(query) - allowed)
    if unknown:
        message = UNKNOWN_PARAMETER.format(allowed=", ".join(sorted(allowed)))
        raise ValidationFailed(dict.fromkeys(unknown, message))
    repeated = sorted(name for name, values in query.lists() if len(values) > 1)
    if repeated:
        raise ValidationFailed(
            {name: PARAMETER_REPEATED.format(name=name) for name in repeated}
        )
    return query


def request_query_data(request, serializer_class) -> dict:
    """The query parameters validated by ``serializer_class``'s fields.

    A parameter sent empty (``?zip=``) is refused, not taken as left out:
    the schema documents no empty value, and DRF would quietly read a
    QueryDict's empty value as absent.
    """
    query = request_query(request, frozenset(serializer_class().fields))
    serializer = serializer_class(data=query.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
