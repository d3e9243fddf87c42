-- Ingestion no longer updates the monthly rollups: every ingest transaction that touched the
-- same (person, month, metric) row waited for the others to commit, so concurrent streams took
-- turns. Each batch now appends what it adds to the monthly rollups as a few rows here
-- (insert-only, no unique key, so nothing to wait on), and the metrics service folds these rows
-- into metrics.monthly_rollups in the background. Reads add the rows not yet folded to the
-- monthly ones, in the same snapshot, so they stay exact.

-- One of 16 buckets of people, so that a read for a few people unpacks the pending rows of
-- their buckets only. The last byte of a UUID (v4 or v7) is random.
CREATE FUNCTION metrics.person_bucket(person_id uuid) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN get_byte(uuid_send(person_id), 15) % 16;

CREATE TABLE metrics.monthly_pending (
    tenant_id  uuid      NOT NULL,
    -- The first day of the calendar month of the events' local days.
    month      date      NOT NULL CHECK (extract(day FROM month) = 1),
    bucket     smallint  NOT NULL,
    -- Parallel arrays, one element per (person, metric) of the batch in this month and bucket,
    -- with the batch's sum, count and max for it: a few rows per batch instead of one per key.
    person_ids uuid[]    NOT NULL,
    metric_ids integer[] NOT NULL,
    sums       bigint[]  NOT NULL,
    counts     bigint[]  NOT NULL,
    maxes      bigint[]  NOT NULL,
    CHECK (cardinality(person_ids) = cardinality(metric_ids) AND cardinality(person_ids) = cardinality(sums)
           AND cardinality(person_ids) = cardinality(counts) AND cardinality(person_ids) = cardinality(maxes))
);
CREATE INDEX monthly_pending_month ON metrics.monthly_pending (tenant_id, month, bucket);

ALTER TABLE metrics.monthly_pending ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON metrics.monthly_pending
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- The folder works tenant by tenant (row-level security shows the service role one tenant at a
-- time), so it needs to know which tenants have rows to fold: only their ids, nothing else.
CREATE FUNCTION metrics.tenants_with_pending_months() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS 'SELECT DISTINCT tenant_id FROM metrics.monthly_pending';
