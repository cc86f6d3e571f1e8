from django.db import migrations

from tracking import allocation


def install(apps, schema_editor):
    # Same signature; the lock is tried first and lock_timeout is set only
    # for a wait, instead of on every call.
    allocation.install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tracking", "0017_api_client_batches_right")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
