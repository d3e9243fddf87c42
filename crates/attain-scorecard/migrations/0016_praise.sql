-- Praise between colleagues. `synced_at` marks praise already counted in the metrics service
-- as the recipient's "praise_received" event: the milestone detector sends what is not yet
-- synced, so a praise committed here is never lost to the leaderboards.
CREATE TABLE scorecard.praise (
    tenant_id    uuid        NOT NULL REFERENCES org.tenants,
    praise_id    uuid        NOT NULL,
    giver_id     uuid        NOT NULL,
    recipient_id uuid        NOT NULL,
    category     text        NOT NULL,
    message      text        NOT NULL,
    private      boolean     NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    synced_at    timestamptz,
    PRIMARY KEY (tenant_id, praise_id),
    CHECK (giver_id <> recipient_id)
);
CREATE INDEX praise_unsynced ON scorecard.praise (tenant_id, praise_id) WHERE synced_at IS NULL;
ALTER TABLE scorecard.praise ENABLE ROW LEVEL SECURITY;
ALTER TABLE scorecard.praise FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scorecard.praise
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
