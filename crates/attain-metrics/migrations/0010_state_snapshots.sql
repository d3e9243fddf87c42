-- State metrics (gauges, AGGREGATION_LATEST): open pipeline, open opportunities. Their events
-- are snapshots of a person's value when observed; they are kept here rather than in
-- metrics.events and the rollups, whose sums over days mean nothing for a state. A period's
-- value is each person's latest snapshot on or before its last day.
ALTER TABLE metrics.catalog DROP CONSTRAINT catalog_aggregation_check;
ALTER TABLE metrics.catalog
    ADD CONSTRAINT catalog_aggregation_check CHECK (aggregation IN ('count', 'sum', 'max', 'latest'));

CREATE TABLE metrics.snapshots (
    tenant_id   uuid        NOT NULL,
    event_id    uuid        NOT NULL,
    person_id   uuid        NOT NULL,
    metric_id   integer     NOT NULL,
    occurred_at timestamptz NOT NULL,
    local_day   date        NOT NULL,
    value       bigint      NOT NULL CHECK (value >= 0),
    source      text,
    external_id text,
    attributes  jsonb,
    ingested_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id)
);
-- "Latest on or before a day" for a metric and a set of people: one index descent each.
CREATE INDEX snapshots_latest
    ON metrics.snapshots (tenant_id, metric_id, person_id, local_day DESC, occurred_at DESC, event_id DESC)
    INCLUDE (value);

ALTER TABLE metrics.snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE metrics.snapshots FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON metrics.snapshots
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
