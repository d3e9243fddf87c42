-- A tenant's scorecard settings: how much of a period must pass before a line behind pace may
-- turn red (and a rep count as behind pace). No row: the defaults, 2 working days and 20 %.
CREATE TABLE scorecard.scorecard_settings (
    tenant_id        uuid        PRIMARY KEY REFERENCES org.tenants,
    red_after_days   integer     NOT NULL CHECK (red_after_days BETWEEN 0 AND 60),
    red_after_share  float8      NOT NULL CHECK (red_after_share BETWEEN 0 AND 1),
    revision         bigint      NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE scorecard.scorecard_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE scorecard.scorecard_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scorecard.scorecard_settings
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
