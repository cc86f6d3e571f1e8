"""Input fields that take only the JSON type the schema documents.

DRF turns ``0`` into ``"0"`` for a CharField and ``"5"`` into ``5`` for an
IntegerField; a client that sends the wrong type has a bug worth telling it
about, and the OpenAPI schema promises exactly one type.
"""

from __future__ import annotations

import re

from rest_framework import serializers

from tracking.messages import (
    NOT_A_BOOLEAN,
    NOT_A_STRING,
    NOT_AN_INTEGER,
    NOT_UNICODE,
    NULL_CHARACTER,
    QUERY_NOT_AN_INTEGER,
)


def check_unicode(value: object) -> None:
    """Refuse text PostgreSQL cannot store, which JSON allows.

    Lone surrogates cannot be encoded as UTF-8, and jsonb refuses \\u0000.
    """
    try:
        if isinstance(value, str):
            value.encode("utf-8")
            if "\x00" in value:
                raise serializers.ValidationError(NULL_CHARACTER)
        elif isinstance(value, dict):
            for key, item in value.items():
                check_unicode(key)
                check_unicode(item)
        elif isinstance(value, list):
            for item in value:
                check_unicode(item)
    except UnicodeEncodeError as e:
        raise serializers.ValidationError(NOT_UNICODE) from e


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_A_STRING)
        check_unicode(data)
        # DRF trims whitespace before checking max_length; the schema's
        # maxLength is about what was sent.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class LowercaseCharField(StrictCharField):
    """Text compared without case (series codes): lower-cased on input."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).lower()


def json_integer(data: object) -> int | None:
    """The integer a JSON value is, or None.

    JSON has one number type: 5.0 is the integer 5 (and JSON Schema
    2020-12, the OpenAPI 3.1 schema's, says so); 5.5, true and "5" are not.
    """
    if isinstance(data, float) and data.is_integer():
        data = int(data)
    if isinstance(data, bool) or not isinstance(data, int):
        return None
    return data


def query_integer(raw: str) -> int | None:
    """The integer a query value writes in ASCII digits, or None.

    Python's ``int()`` also reads " 4", "1_0" and other scripts' digits.
    """
    return int(raw) if re.fullmatch(r"-?[0-9]+", raw) else None


def _integer(data: object) -> int:
    value = json_integer(data)
    if value is None:
        raise serializers.ValidationError(NOT_AN_INTEGER)
    return value


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        return super().to_internal_value(_integer(data))


class QueryIntegerField(serializers.IntegerField):
    """An integer query parameter: ASCII digits, as the schema's integer
    (DRF's IntegerField would also take "4.0" and what ``int()`` reads)."""

    def to_internal_value(self, data):
        value = query_integer(data) if isinstance(data, str) else None
        if value is None:
            raise serializers.ValidationError(QUERY_NOT_AN_INTEGER)
        return super().to_internal_value(value)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise serializers.ValidationError(NOT_A_BOOLEAN)
        return data


class StrictChoiceField(serializers.ChoiceField):
    """A choice sent as the JSON type of its values, as the schema's enum
    says: a number length is 26 (or 26.0), not "26"."""

    def to_internal_value(self, data):
        if self.choices and all(type(key) is int for key in self.choices):
            data = _integer(data)
        elif not isinstance(data, str):
            raise serializers.ValidationError(NOT_A_STRING)
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated fields are the strict ones."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
    }
    serializer_choice_field = StrictChoiceField


def _strict_mapping() -> None:
    from django.db import models

    from tracking.models import SeriesCodeField

    mapping = StrictModelSerializer.serializer_field_mapping
    for model_field in (models.CharField, models.SlugField, models.TextField):
        mapping[model_field] = StrictCharField
    mapping[SeriesCodeField] = LowercaseCharField
    for model_field in (
        models.IntegerField,
        models.BigIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.SmallIntegerField,
        models.PositiveBigIntegerField,
    ):
        mapping[model_field] = StrictIntegerField
    mapping[models.BooleanField] = StrictBooleanField


_strict_mapping()
