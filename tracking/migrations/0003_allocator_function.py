from django.db import migrations

from tracking import allocation


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Installs the allocator functions as allocation.sql has them today, as
    # 0006, 0013, 0018 and 0019 do: no migration calls them, so a fresh
    # database need not pass through the versions each of those replaced.
    allocation.install(schema_editor)
    Series = apps.get_model("tracking", "Series")
    for series in Series.objects.all():
        schema_editor.execute(
            f"CREATE SEQUENCE IF NOT EXISTS {allocation.sequence_name(series.pk)} "
            f"MINVALUE 0 START {series.next_serial}"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS tracking_allocate")
        schema_editor.execute("DROP FUNCTION IF EXISTS tracking_allocate_from")
        schema_editor.execute("DROP FUNCTION IF EXISTS tracking_allocator_wait")


class Migration(migrations.Migration):
    dependencies = [("tracking", "0002_default_series")]

    operations = [migrations.RunPython(forwards, backwards)]
