from django.db import migrations


def create_default_series(apps, schema_editor):
    """A fresh install can answer a bare POST /tracking/generate/ at once."""
    Series = apps.get_model("tracking", "Series")
    if Series.objects.filter(is_default=True).exists():
        return
    # Same values as tracking.services.DEFAULT_SERIES: TN + 10 digits + Luhn.
    Series.objects.create(
        code="default",
        name="Default",
        scheme="custom",
        prefix="TN",
        serial_width=10,
        alphabet="digits",
        check_char="luhn",
        start=0,
        end=10**10 - 1,
        next_serial=0,
        is_default=True,
    )


class Migration(migrations.Migration):
    dependencies = [("tracking", "0001_initial")]

    operations = [
        migrations.RunPython(create_default_series, migrations.RunPython.noop),
    ]
