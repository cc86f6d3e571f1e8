from django.db import migrations

# The PostgreSQL allocator. Each series draws serials from its own native
# sequence, tracking_series_<id>_seq: nextval() is never rolled back and
# takes no row lock, so a caller's transaction (however long, committed or
# not) neither blocks other callers nor gives its serials back.
#
# A block of N serials must be contiguous, so block reservations take an
# exclusive session advisory lock on the series while single draws take
# it shared: singles never wait for each other, and a block is read and
# advanced with setval() while no single can slip in. The locks are held
# for microseconds and released before the function returns.
#
# Returns the first serial, or NULL when the series' last serial would be
# passed (nothing reserved for a block).
ALLOCATE = r"""
CREATE OR REPLACE FUNCTION tracking_allocate(
    series_id bigint, n bigint, last_serial bigint
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    seq text := format('tracking_series_%s_seq', series_id);
    first bigint;
    called boolean;
BEGIN
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
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(ALLOCATE, params=None)
    Series = apps.get_model("tracking", "Series")
    for series in Series.objects.all():
        schema_editor.execute(
            f"CREATE SEQUENCE IF NOT EXISTS tracking_series_{series.pk}_seq "
            f"MINVALUE 0 START {series.next_serial}"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS tracking_allocate")


class Migration(migrations.Migration):
    dependencies = [("tracking", "0002_default_series")]

    operations = [migrations.RunPython(forwards, backwards)]
