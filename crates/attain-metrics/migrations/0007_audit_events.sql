-- The audit trail of this service's writes (attain_runtime::audit): who (the key, token or
-- operator, and the person it acts as), tenant, method, resource, time, request id, and for
-- quotas, targets, ramps and roles the state before and after. Append-only: the service role
-- may only insert and read (see db::grant_service_role), and the trigger refuses any change or
-- deletion by anyone.
CREATE TABLE metrics.audit_events (
    tenant_id   uuid        NOT NULL,
    event_id    uuid        NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_kind  text        NOT NULL CHECK (actor_kind IN ('api_key', 'token', 'operator')),
    actor_id    text        NOT NULL,
    person_id   uuid,
    role        text        NOT NULL,
    service     text        NOT NULL,
    method      text        NOT NULL,
    resource    text        NOT NULL DEFAULT '',
    request_id  text        NOT NULL DEFAULT '',
    before      jsonb,
    after       jsonb,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX audit_events_time ON metrics.audit_events (tenant_id, occurred_at);
ALTER TABLE metrics.audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE metrics.audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON metrics.audit_events
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

CREATE FUNCTION metrics.refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END $$;
REVOKE ALL ON FUNCTION metrics.refuse_audit_change() FROM PUBLIC;
CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON metrics.audit_events
    FOR EACH ROW EXECUTE FUNCTION metrics.refuse_audit_change();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON metrics.audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION metrics.refuse_audit_change();
