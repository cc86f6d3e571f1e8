from django.db import migrations

from tracking import allocation


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # 0003 as first released made tracking_allocate(series_id, n,
        # last_serial); the function now reads the range from the series row.
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS tracking_allocate(bigint, bigint, bigint)"
        )
    allocation.install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tracking", "0005_roles")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
