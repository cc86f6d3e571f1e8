from django.db import migrations

# tracking_allocate(series_id, n) reads the series' "end" and "active" from
# its row itself, so callers may cache Series objects (their format never
# changes) while range and activity are always checked at the source. See
# 0003 for the locking; this replaces its three-argument version.
ALLOCATE = r"""
DROP FUNCTION IF EXISTS tracking_allocate(bigint, bigint, bigint);
CREATE OR REPLACE FUNCTION tracking_allocate(series_id bigint, n bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    seq text := format('tracking_series_%s_seq', series_id);
    last_serial bigint;
    is_active boolean;
    first bigint;
    called boolean;
BEGIN
    SELECT "end", active INTO last_serial, is_active
        FROM tracking_series WHERE id = series_id;
    IF NOT FOUND OR NOT is_active THEN
        RETURN NULL;
    END IF;
    IF n = 1 THEN
        PERFORM pg_advisory_lock_shared(29810, series_id::int);
        first := nextval(seq);
        PERFORM pg_advisory_unlock_shared(29810, series_id::int);
        IF first > last_serial THEN
            RETURN NULL;
        END IF;
        RETURN first;
    END IF;
    PERFORM pg_advisory_lock(29810, series_id::int);
    EXECUTE format('SELECT last_value, is_called FROM %I', seq)
        INTO first, called;
    IF called THEN
        first := first + 1;
    END IF;
    IF first + n - 1 > last_serial THEN
        PERFORM pg_advisory_unlock(29810, series_id::int);
        RETURN NULL;
    END IF;
    PERFORM setval(seq, first + n - 1, true);
    PERFORM pg_advisory_unlock(29810, series_id::int);
    RETURN first;
END
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOCATE, params=None)


class Migration(migrations.Migration):
    dependencies = [("tracking", "0005_roles")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
