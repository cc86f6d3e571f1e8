from django.db import migrations, models

from tracking import allocation


def fingerprint_scrambled_series(apps, schema_editor):
    # The key configured now is the one that made the existing series.
    Series = apps.get_model("tracking", "Series")
    Series.objects.filter(mode="scrambled").update(
        scramble_key_fingerprint=allocation.scramble_key_fingerprint()
    )


def install(apps, schema_editor):
    # Replaces the body 0006 gave the allocator function; the
    # signature is unchanged (transaction locks instead of session locks).
    allocation.install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tracking", "0012_portal_submission_reference_as_typed")]

    operations = [
        migrations.AddField(
            model_name="series",
            name="scramble_key_fingerprint",
            field=models.CharField(blank=True, editable=False, max_length=16),
        ),
        migrations.RunPython(fingerprint_scrambled_series, migrations.RunPython.noop),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
