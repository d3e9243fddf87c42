-- Saved leaderboards and team focus plans.

CREATE TABLE scorecard.leaderboards (
    tenant_id       uuid        NOT NULL REFERENCES org.tenants,
    leaderboard_id  uuid        NOT NULL,
    display_name    text        NOT NULL,
    metric_key      text        NOT NULL,
    category        text        NOT NULL DEFAULT '',
    granularity     text        NOT NULL CHECK (granularity IN ('day', 'week', 'month', 'quarter', 'year')),
    team_id         uuid,
    sales_role      text,
    visibility      text        NOT NULL CHECK (visibility IN ('public', 'private')),
    top_n           integer     NOT NULL CHECK (top_n BETWEEN 1 AND 100),
    min_denominator bigint      NOT NULL CHECK (min_denominator >= 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, leaderboard_id),
    UNIQUE (tenant_id, display_name),
    CHECK (team_id IS NULL OR sales_role IS NULL),
    FOREIGN KEY (tenant_id, team_id) REFERENCES org.teams (tenant_id, team_id) ON DELETE CASCADE
);

-- key_results: [{"metric_key": "...", "behaviours": ["...", ...]}, ...] in the team's order.
CREATE TABLE scorecard.focus_plans (
    tenant_id   uuid        NOT NULL,
    team_id     uuid        NOT NULL,
    key_results jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, team_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES org.teams (tenant_id, team_id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['leaderboards', 'focus_plans'] LOOP
        EXECUTE format('ALTER TABLE scorecard.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON scorecard.%I
                 USING (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
                 WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
    END LOOP;
END $$;
