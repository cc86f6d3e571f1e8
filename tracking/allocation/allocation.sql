-- The PostgreSQL side of tracking.allocation, applied by migration 0003 and
-- re-applied by any later migration that changes it; LOCK_NAMESPACE is
-- replaced by tracking.allocation.LOCK_NAMESPACE on install. Signatures
-- change only additively: callers of the old one keep working a release.
--
-- tracking_allocate(series_id, n): reserve n consecutive serials of a
-- series and return the first, or NULL when the series is inactive or its
-- last serial would be passed (a block then reserves nothing).
--
-- Each series draws from its own sequence, tracking_series_<id>_seq:
-- nextval() is never rolled back and takes no row lock. A block must be
-- contiguous, so it is read and advanced with setval() under an exclusive
-- advisory lock on (LOCK_NAMESPACE, series id), which single draws take
-- shared. Both are transaction locks: an error, a cancel or a statement
-- timeout ends them with the transaction, and none outlives a pooled
-- (PgBouncer transaction mode) connection's transaction. A lock not free at
-- once is waited for at most 5 s (lock_timeout, the caller's restored after):
-- a caller may hold it in a long transaction.
--
-- tracking_allocate_from(series_id, seq, n) does the same from another of
-- the series' sequences: a counter period's (tracking_series_<id>_<day>_seq),
-- under the same lock and range.
--
-- tracking_allocator_wait(series_id, shared) is that bounded wait, for a
-- caller whose try found the lock taken.
CREATE OR REPLACE FUNCTION tracking_allocator_wait(series_id bigint, shared boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    caller_lock_timeout text := current_setting('lock_timeout');
BEGIN
    PERFORM set_config('lock_timeout', '5s', true);
    IF shared THEN
        PERFORM pg_advisory_xact_lock_shared(LOCK_NAMESPACE, series_id::int);
    ELSE
        PERFORM pg_advisory_xact_lock(LOCK_NAMESPACE, series_id::int);
    END IF;
    PERFORM set_config('lock_timeout', caller_lock_timeout, true);
END
$$;

CREATE OR REPLACE FUNCTION tracking_allocate_from(
    series_id bigint, seq_name text, n bigint
)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    seq regclass;
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
    seq := seq_name::regclass;
    IF n = 1 THEN
        IF NOT pg_try_advisory_xact_lock_shared(LOCK_NAMESPACE, series_id::int) THEN
            PERFORM tracking_allocator_wait(series_id, true);
        END IF;
        first := nextval(seq);
        IF first > last_serial THEN
            RETURN NULL;
        END IF;
        RETURN first;
    END IF;
    IF NOT pg_try_advisory_xact_lock(LOCK_NAMESPACE, series_id::int) THEN
        PERFORM tracking_allocator_wait(series_id, false);
    END IF;
    EXECUTE format('SELECT last_value, is_called FROM %s', seq)
        INTO first, called;
    IF called THEN
        first := first + 1;
    END IF;
    IF first + n - 1 > last_serial THEN
        RETURN NULL;
    END IF;
    PERFORM setval(seq, first + n - 1, true);
    RETURN first;
END
$$;

CREATE OR REPLACE FUNCTION tracking_allocate(series_id bigint, n bigint)
RETURNS bigint LANGUAGE sql AS $$
    SELECT tracking_allocate_from(
        series_id, format('tracking_series_%s_seq', series_id), n
    )
$$;
