"""django-import-export resources: the columns of exports and imports."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from tracking.domain.recognize import normalize
from tracking.exceptions import TrackingError
from tracking.messages import IMPORT_NUMBER_EXISTS, IMPORT_SERIES_UNKNOWN
from tracking.models import Series, TrackingNumber
from tracking.services import EXPORT_COLUMNS, tracking_number_import_check


class TrackingNumberResource(resources.ModelResource):
    """The export columns the portal's export form knows; the file itself is
    written by services.export_write, as every export is."""

    series = fields.Field(attribute="series__code", column_name="series")

    class Meta:
        model = TrackingNumber
        fields = [name for name, _ in EXPORT_COLUMNS]
        export_order = fields


class _SeriesCodeWidget(ForeignKeyWidget):
    def clean(self, value, row=None, **kwargs):
        code = (value or "").strip()
        if not code:
            raise ValueError("Name the series by its code.")
        try:
            return super().clean(code, row, **kwargs)
        except Series.DoesNotExist as e:
            raise ValueError(IMPORT_SERIES_UNKNOWN.format(code=code)) from e


class TrackingNumberImportResource(resources.ModelResource):
    """Import of externally allocated numbers: number, series, reference.

    Each row is checked by ``tracking_number_import_check`` (format, check
    character, serial outside the allocator's unissued range); an existing
    number is reported as a duplicate, never updated.
    """

    number = fields.Field(attribute="number", column_name="number")
    series = fields.Field(
        attribute="series",
        column_name="series",
        widget=_SeriesCodeWidget(Series, field="code"),
    )
    reference = fields.Field(attribute="reference", column_name="reference")

    class Meta:
        model = TrackingNumber
        fields = ["number", "series", "reference"]
        import_id_fields = ["number"]
        clean_model_instances = True
        skip_unchanged = False

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        # The serial is derived from the number; when the number was refused
        # there is no serial, and "cannot be null" would only add noise.
        errors = dict(import_validation_errors or {})
        exclude = [*errors, "serial"] if errors else list(errors)
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def before_import_row(self, row, **kwargs):
        # Stored numbers are upper case without spaces, as the index holds.
        if row.get("number") is not None:
            row["number"] = normalize(str(row["number"]))
        if row.get("reference") is None:
            row["reference"] = ""

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._import_new = new

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        if not getattr(instance, "_import_new", True):
            errors.setdefault("number", []).append(
                IMPORT_NUMBER_EXISTS.format(number=instance.number)
            )
        elif "series" not in errors and instance.series_id:
            try:
                number, serial = tracking_number_import_check(
                    series=instance.series, number=instance.number
                )
            except TrackingError as e:
                errors.setdefault("number", []).append(e.message)
            else:
                instance.number = number
                instance.serial = serial
                instance.metadata = {"imported": True}
                user = kwargs.get("user")
                if user is not None and user.is_authenticated:
                    instance.issued_by = user
        if errors:
            raise ValidationError(errors)
