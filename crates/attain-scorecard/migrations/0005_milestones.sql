-- Milestones: achievements recorded once each, the tenant's milestone settings, and the
-- short-lived system API keys the milestone detector calls the metrics service with.

-- A key may expire; verification refuses it from then on. System keys are minted by the
-- scorecard service itself for background work that has no caller (the milestone detector),
-- held only in its memory, and deleted once expired.
ALTER TABLE org.api_keys
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN system boolean NOT NULL DEFAULT false;
CREATE INDEX api_keys_system_expiry ON org.api_keys (tenant_id, expires_at) WHERE system;

-- dedup_key names the achievement (e.g. quota:<person>:<period start>:<step>), never the
-- moment it was noticed, so re-ingesting, rebuilding rollups or two detectors at once record
-- it once: the insert is ON CONFLICT DO NOTHING on (tenant_id, dedup_key), and only an insert
-- that happened writes the webhook outbox, in the same transaction.
CREATE TABLE scorecard.milestones (
    tenant_id    uuid        NOT NULL REFERENCES org.tenants,
    milestone_id uuid        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('quota_attained', 'daily_goal_hit', 'streak', 'personal_best',
                                                       'biggest_deal', 'new_leader', 'first_deal')),
    person_id    uuid        NOT NULL,
    dedup_key    text        NOT NULL,
    title        text        NOT NULL,
    day          date        NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    data         jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, milestone_id),
    UNIQUE (tenant_id, dedup_key),
    FOREIGN KEY (tenant_id, person_id) REFERENCES org.people (tenant_id, person_id) ON DELETE CASCADE
);
CREATE INDEX milestones_person ON scorecard.milestones (tenant_id, person_id, milestone_id);

-- One row per tenant that changed the defaults (50/100/150 %, 5 days, bests on after 10 days).
CREATE TABLE scorecard.milestone_settings (
    tenant_id                 uuid        NOT NULL REFERENCES org.tenants,
    quota_steps               integer[]   NOT NULL CHECK (cardinality(quota_steps) BETWEEN 1 AND 10),
    streak_days               integer     NOT NULL CHECK (streak_days BETWEEN 2 AND 250),
    personal_best             boolean     NOT NULL,
    personal_best_min_history integer     NOT NULL CHECK (personal_best_min_history BETWEEN 0 AND 250),
    revision                  bigint      NOT NULL DEFAULT 1,
    updated_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['milestones', 'milestone_settings'] LOOP
        EXECUTE format('ALTER TABLE scorecard.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON scorecard.%I
                 USING (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
                 WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
    END LOOP;
END $$;

-- The detector's one look across tenants: their ids, nothing else. Everything it reads and
-- writes per tenant it does in a transaction of that tenant, under row-level security.
-- SECURITY DEFINER runs it as the tables' owner, whom the policies do not bind.
CREATE FUNCTION scorecard.milestone_tenants()
RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.tenant_id FROM org.tenants t ORDER BY t.tenant_id
$$;
REVOKE ALL ON FUNCTION scorecard.milestone_tenants() FROM PUBLIC;
