"""Shapes of the API's requests and responses (no business rules here)."""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import serializers

from tracking.allocation import series_draw_serial, series_number_format
from tracking.api.fields import (
    QueryIntegerField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictModelSerializer,
    check_unicode,
)
from tracking.domain.timestamps import iso_utc
from tracking.exceptions import ScrambleKeyChanged
from tracking.messages import COUNT_TOO_LARGE, METADATA_NOT_OBJECT, METADATA_TOO_LARGE
from tracking.models import Series, TrackingNumber, series_code_validator


def validate_metadata(value):
    check_unicode(value)
    if len(json.dumps(value)) > 4096:
        raise serializers.ValidationError(METADATA_TOO_LARGE)
    return value


def metadata_field() -> serializers.DictField:
    return serializers.DictField(
        required=False,
        default=dict,
        validators=[validate_metadata],
        # DRF formats error messages with str.format: escape the braces.
        error_messages={
            "not_a_dict": METADATA_NOT_OBJECT.replace("{", "{{").replace("}", "}}")
        },
        help_text="Your own JSON object, stored with the number (max 4 KB).",
    )


class GenerateInputSerializer(serializers.Serializer):
    series = StrictCharField(
        required=False, max_length=32, help_text="Series code; the default if absent."
    )
    count = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=settings.TRACKING_MAX_COUNT,
        error_messages={
            "max_value": COUNT_TOO_LARGE.format(max=settings.TRACKING_MAX_COUNT)
        },
        help_text="How many numbers (1-1000). When sent, the answer is "
        '{"results": [...]}.',
    )
    reference = StrictCharField(
        required=False, max_length=100, allow_blank=True, default=""
    )
    metadata = metadata_field()


class TrackingNumberOutputSerializer(serializers.ModelSerializer):
    tracking_number = serializers.CharField(source="number")
    series = serializers.CharField(source="series.code")
    metadata = serializers.DictField(source="effective_metadata")

    class Meta:
        model = TrackingNumber
        fields = [
            "id",
            "uuid",
            "created_at",
            "tracking_number",
            "series",
            "status",
            "reference",
            "metadata",
            "void_reason",
            "voided_at",
        ]


def tracking_number_data(number: TrackingNumber) -> dict:
    """``TrackingNumberOutputSerializer(number).data``, without DRF's cost.

    The generate endpoint renders up to 1,000 numbers per request; building
    serializer fields costs more than the database work. A test keeps the
    two identical.
    """
    return {
        "id": number.id,
        "uuid": str(number.uuid),
        "created_at": iso_utc(number.created_at),
        "tracking_number": number.number,
        "series": number.series.code,
        "status": number.status,
        "reference": number.reference,
        "metadata": number.effective_metadata,
        "void_reason": number.void_reason,
        "voided_at": iso_utc(number.voided_at),
    }


class GenerateManyOutputSerializer(serializers.Serializer):
    results = TrackingNumberOutputSerializer(many=True)


class TrackingNumberPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TrackingNumberOutputSerializer(many=True)


class VoidInputSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=200)


class ValidateInputSerializer(serializers.Serializer):
    tracking_number = StrictCharField(max_length=64)
    strict = StrictBooleanField(
        required=False,
        default=False,
        help_text="Only formats whose check character was verified.",
    )


class FormatMatchSerializer(serializers.Serializer):
    format = serializers.CharField()
    label = serializers.CharField()
    confidence = serializers.ChoiceField(
        choices=["verified", "pattern"],
        help_text="verified: the check character holds; pattern: the format "
        "has none, only its shape matched.",
    )


class ValidateOutputSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    valid = serializers.BooleanField()
    formats = serializers.ListField(child=serializers.CharField())
    matches = FormatMatchSerializer(many=True)
    issued = serializers.BooleanField(
        allow_null=True,
        help_text=(
            "true: issued to you. null: not issued to you (whether another "
            "client holds it is not said). false: not issued (series "
            "administrators only, who see every number)."
        ),
    )
    series = serializers.CharField(
        allow_null=True, help_text="Your series with this format, if any."
    )
    errors = serializers.ListField(child=serializers.CharField())


class SeriesSerializer(StrictModelSerializer):
    end = StrictIntegerField(required=False, min_value=0)
    capacity = serializers.IntegerField(read_only=True)
    used = serializers.IntegerField(source="allocated", read_only=True)
    remaining = serializers.IntegerField(read_only=True)
    example = serializers.SerializerMethodField()
    check = StrictChoiceField(
        source="check_char", choices=Series.Check.choices, required=False
    )
    accept_carrier_overlap = StrictBooleanField(
        write_only=True,
        required=False,
        help_text="Create a custom series even though a carrier's format "
        "also accepts its numbers; the overlap is recorded.",
    )

    class Meta:
        model = Series
        fields = [
            "code",
            "name",
            "scheme",
            "mode",
            "start",
            "end",
            # The model's format fields; the API calls check_char "check".
            *("check" if f == "check_char" else f for f in Series.FORMAT_FIELDS),
            "active",
            "is_default",
            "accept_carrier_overlap",
            "carrier_overlap",
            "capacity",
            "used",
            "remaining",
            "example",
            "created_at",
        ]
        read_only_fields = ["created_at", "carrier_overlap"]
        # No uniqueness checks here, which would answer 400. A taken code
        # conflicts with stored state: series_save() answers it (409) under
        # the lock it saves in, where no other create can take the code
        # between the check and the save. Making a series the default is a
        # switch, not a uniqueness error: series_save() moves the flag.
        extra_kwargs = {
            "code": {"validators": [series_code_validator]},
            "is_default": {"validators": []},
        }
        validators: list = []

    def to_representation(self, instance: Series) -> dict:
        # Only the format fields the series' scheme uses: a "prefix" or
        # "check" on an S10 would mean nothing.
        data = super().to_representation(instance)
        used = Series.format_fields_of(instance.scheme)
        for field in Series.FORMAT_FIELDS:
            if field not in used:
                data.pop("check" if field == "check_char" else field, None)
        return data

    def get_example(self, obj: Series) -> str:
        try:
            # A dated series' first number as it would be issued today.
            serial = series_draw_serial(obj, obj.start)
            return series_number_format(series=obj, serial=serial)
        except ScrambleKeyChanged as e:
            return e.message


class SeriesPreviewInputSerializer(serializers.Serializer):
    count = QueryIntegerField(required=False, default=5, min_value=1, max_value=10)


class SeriesPreviewOutputSerializer(serializers.Serializer):
    series = serializers.CharField()
    predictable = serializers.BooleanField(
        help_text="false for a scrambled series: its numbers are not shown."
    )
    numbers = serializers.ListField(child=serializers.CharField())
    remaining = serializers.IntegerField()
    note = serializers.CharField()


class SeriesUpdateSerializer(serializers.Serializer):
    """What may change once a series exists; its format never does."""

    name = StrictCharField(required=False, max_length=100)
    active = StrictBooleanField(required=False)
    is_default = StrictBooleanField(required=False)
    end = StrictIntegerField(required=False, min_value=0)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
