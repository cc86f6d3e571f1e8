"""Numbers keep their references without a per-row foreign key check.

A foreign key check runs for every inserted row (a locking lookup of the
parent at commit); on the numbers table it cost 45 % of an insert's time.
The parents are never deleted while numbers refer to them: Django refuses
(PROTECT), and on PostgreSQL this migration adds a delete guard on each
parent table, so a raw ``DELETE`` of a referenced row fails as the foreign
key would have made it fail.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


GUARDED = [
    # (model of the parent table, column of tracking_trackingnumber)
    ("tracking.Series", "series_id"),
    ("tracking.ApiClient", "client_id"),
    ("tracking.Batch", "batch_id"),
    (settings.AUTH_USER_MODEL, "issued_by_id"),
]

GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION tracking_refuse_delete_if_numbered() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    referred boolean;
BEGIN
    -- Each column has an index that leads with it (see TrackingNumber.Meta).
    EXECUTE format(
        'SELECT EXISTS (SELECT 1 FROM tracking_trackingnumber WHERE %I = $1)',
        TG_ARGV[0]
    ) INTO referred USING OLD.id;
    IF referred THEN
        RAISE EXCEPTION 'tracking numbers still refer to % %', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(GUARD_FUNCTION, params=None)
    for model, column in GUARDED:
        table = apps.get_model(model)._meta.db_table
        schema_editor.execute(
            f"CREATE TRIGGER tracking_numbers_guard BEFORE DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION "
            f"tracking_refuse_delete_if_numbered('{column}')"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, _ in GUARDED:
        table = apps.get_model(model)._meta.db_table
        schema_editor.execute(f"DROP TRIGGER tracking_numbers_guard ON {table}")
    schema_editor.execute("DROP FUNCTION tracking_refuse_delete_if_numbered()")


class Migration(migrations.Migration):

    dependencies = [
        ('tracking', '0008_fewer_number_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='trackingnumber',
            name='batch',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='numbers', to='tracking.batch'),
        ),
        migrations.AlterField(
            model_name='trackingnumber',
            name='client',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tracking.apiclient'),
        ),
        migrations.AlterField(
            model_name='trackingnumber',
            name='issued_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='trackingnumber',
            name='series',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='numbers', to='tracking.series'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
