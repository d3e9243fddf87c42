-- The webhook gauges of /metrics (attain_webhook_backlog, attain_webhook_oldest_pending_seconds)
-- look across tenants, as the claim does: a count and an age only, nothing of any tenant's data.
CREATE FUNCTION scorecard.webhook_backlog(OUT pending bigint, OUT oldest_seconds double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at))::double precision, 0)
    FROM scorecard.webhook_deliveries
    WHERE state = 'pending'
$$;
REVOKE ALL ON FUNCTION scorecard.webhook_backlog() FROM PUBLIC;
