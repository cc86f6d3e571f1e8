"""The reference index becomes UPPER(reference): case-insensitive search.

On PostgreSQL both indexes are built and dropped CONCURRENTLY, so a table
of millions of numbers keeps taking writes meanwhile; that needs a
migration outside a transaction.
"""

from django.db import migrations, models
from django.db.models.functions import Upper

OLD = models.Index(
    fields=["reference"],
    name="tracking_number_reference",
    condition=~models.Q(reference=""),
)
NEW = models.Index(
    Upper("reference"),
    name="tracking_number_reference_ci",
    condition=~models.Q(reference=""),
)


def _swap(schema_editor, model, add, remove):
    concurrently = schema_editor.connection.vendor == "postgresql"
    options = {"concurrently": True} if concurrently else {}
    schema_editor.add_index(model, add, **options)
    schema_editor.remove_index(model, remove, **options)


def forwards(apps, schema_editor):
    _swap(schema_editor, apps.get_model("tracking", "TrackingNumber"), NEW, OLD)


def backwards(apps, schema_editor):
    _swap(schema_editor, apps.get_model("tracking", "TrackingNumber"), OLD, NEW)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tracking", "0013_allocation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="trackingnumber", name="tracking_number_reference"
                ),
                migrations.AddIndex(model_name="trackingnumber", index=NEW),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
