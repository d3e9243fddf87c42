-- When each pending monthly row was added, and the fold's backlog across tenants for /metrics
-- (attain_fold_backlog, attain_fold_oldest_pending_seconds): a count and an age only. Rows set
-- aside are not backlog (attain_fold_set_aside_rows_total counts them).
ALTER TABLE metrics.monthly_pending ADD COLUMN added_at timestamptz NOT NULL DEFAULT now();

CREATE FUNCTION metrics.fold_backlog(OUT pending bigint, OUT oldest_seconds double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT count(*), coalesce(extract(epoch FROM now() - min(added_at))::double precision, 0)
    FROM metrics.monthly_pending
    WHERE set_aside_at IS NULL
$$;
REVOKE ALL ON FUNCTION metrics.fold_backlog() FROM PUBLIC;
