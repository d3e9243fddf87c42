-- Incentive plans: versions of what a person, team or role earns on a result metric. A version
-- is never changed: a change is a new version from its effective date (audited), so a statement
-- for a past period still shows the plan that paid it.
CREATE TABLE scorecard.incentive_plans (
    tenant_id      uuid        NOT NULL REFERENCES org.tenants,
    plan_id        uuid        NOT NULL,
    person_id      uuid,
    team_id        uuid,
    sales_role     text,
    metric_key     text        NOT NULL,
    effective_date date        NOT NULL,
    version        integer     NOT NULL,
    definition     jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, plan_id),
    CHECK (num_nonnulls(person_id, team_id, sales_role) = 1)
);
CREATE UNIQUE INDEX incentive_plan_versions ON scorecard.incentive_plans
    (tenant_id, metric_key, (coalesce(person_id::text, team_id::text, sales_role)), version);
ALTER TABLE scorecard.incentive_plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE scorecard.incentive_plans FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scorecard.incentive_plans
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
