from django.contrib.auth.management import create_permissions
from django.db import migrations

from tracking.roles import roles_sync


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make them now.
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, verbosity=0, apps=apps)
        config.models_module = None
    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0004_exportjob"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
