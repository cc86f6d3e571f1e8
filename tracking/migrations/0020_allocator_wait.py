from django.db import migrations

from tracking import allocation


def install(apps, schema_editor):
    # tracking_allocator_wait(): one bounded lock wait for single draws and
    # blocks; tracking_allocate_from keeps its signature.
    allocation.install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tracking", "0019_dated_series")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
