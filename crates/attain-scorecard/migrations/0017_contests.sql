-- Contests (SPIFFs): time-boxed incentives on one metric. The milestone detector announces a
-- contest on its first day (`started_at`) and closes it the day after its end, fixing its
-- winners (`closed_at`, `winners`).
CREATE TABLE scorecard.contests (
    tenant_id    uuid        NOT NULL REFERENCES org.tenants,
    contest_id   uuid        NOT NULL,
    display_name text        NOT NULL,
    metric_key   text        NOT NULL,
    start_date   date        NOT NULL,
    end_date     date        NOT NULL,
    team_id      uuid,
    sales_role   text,
    kind         text        NOT NULL CHECK (kind IN ('most', 'first_to')),
    threshold    bigint      NOT NULL DEFAULT 0,
    prizes       jsonb       NOT NULL,
    started_at   timestamptz,
    closed_at    timestamptz,
    winners      jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, contest_id),
    CHECK (start_date <= end_date),
    CHECK (num_nonnulls(team_id, sales_role) = 1)
);
CREATE INDEX contests_open ON scorecard.contests (tenant_id, end_date) WHERE closed_at IS NULL;
ALTER TABLE scorecard.contests ENABLE ROW LEVEL SECURITY;
ALTER TABLE scorecard.contests FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scorecard.contests
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
