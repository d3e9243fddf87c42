-- Webhook subscriptions and their transactional outbox of deliveries.
--
-- A delivery row is written in the same transaction as the milestone it announces, and the
-- dispatcher sends it later: at least once, with retries, then a dead-letter state. The
-- signing secret is stored as is, because every request is signed with it (unlike API keys,
-- which are only ever compared and so are stored as hashes).

CREATE TABLE scorecard.webhook_subscriptions (
    tenant_id         uuid        NOT NULL REFERENCES org.tenants,
    subscription_id   uuid        NOT NULL,
    display_name      text        NOT NULL,
    url               text        NOT NULL,
    event_types       text[]      NOT NULL CHECK (cardinality(event_types) > 0),
    secret            text        NOT NULL,
    team_id           uuid,
    format            text        NOT NULL CHECK (format IN ('json', 'slack', 'teams')),
    hourly_cap        integer     NOT NULL DEFAULT 0 CHECK (hourly_cap BETWEEN 0 AND 10000),
    digest_seconds    integer     NOT NULL DEFAULT 0 CHECK (digest_seconds BETWEEN 0 AND 86400),
    create_request_id uuid,
    revision          bigint      NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, subscription_id),
    UNIQUE (tenant_id, create_request_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES org.teams (tenant_id, team_id)
);

-- events: [{"id", "type", "title", "person_id", "team_path", "time", "data"}, ...], oldest first;
-- more than one for a digest. hour: the clock hour whose cap the delivery counts against.
-- A digest stays open for more events while digest_open, unclaimed, never attempted and not
-- yet due. claimed_until/claim_token: the lease of the dispatcher sending it; a crashed
-- dispatcher's lease runs out and another claims the delivery again.
CREATE TABLE scorecard.webhook_deliveries (
    tenant_id       uuid        NOT NULL,
    delivery_id     uuid        NOT NULL,
    subscription_id uuid        NOT NULL,
    events          jsonb       NOT NULL,
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    hour            timestamptz NOT NULL,
    due_at          timestamptz NOT NULL,
    digest_open     boolean     NOT NULL DEFAULT false,
    attempts        integer     NOT NULL DEFAULT 0,
    claimed_until   timestamptz,
    claim_token     uuid,
    last_error      text        NOT NULL DEFAULT '',
    last_status     integer     NOT NULL DEFAULT 0,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, delivery_id),
    FOREIGN KEY (tenant_id, subscription_id) REFERENCES scorecard.webhook_subscriptions ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_due ON scorecard.webhook_deliveries (due_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_subscription
    ON scorecard.webhook_deliveries (tenant_id, subscription_id, hour);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['webhook_subscriptions', 'webhook_deliveries'] LOOP
        EXECUTE format('ALTER TABLE scorecard.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON scorecard.%I
                 USING (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
                 WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
    END LOOP;
END $$;

-- The dispatcher's one look across tenants: claims up to `batch` due deliveries of any tenant
-- for `lease`, returning only their tenant, id and claim token; everything else it reads and
-- writes in a transaction of that tenant, under row-level security. SECURITY DEFINER runs it
-- as the tables' owner, whom the policies do not bind. SKIP LOCKED lets several dispatcher
-- replicas claim at once without ever claiming the same delivery; the claim counts an attempt.
CREATE FUNCTION scorecard.claim_webhook_deliveries(batch integer, lease interval)
RETURNS TABLE (tenant_id uuid, delivery_id uuid, claim_token uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH due AS (
        SELECT d.tenant_id, d.delivery_id
        FROM scorecard.webhook_deliveries d
        WHERE d.state = 'pending' AND d.due_at <= now()
          AND (d.claimed_until IS NULL OR d.claimed_until <= now())
        ORDER BY d.due_at
        LIMIT batch
        FOR UPDATE SKIP LOCKED
    )
    UPDATE scorecard.webhook_deliveries d
    SET claimed_until = now() + lease, claim_token = gen_random_uuid(), attempts = d.attempts + 1,
        digest_open = false, updated_at = now()
    FROM due
    WHERE d.tenant_id = due.tenant_id AND d.delivery_id = due.delivery_id
    RETURNING d.tenant_id, d.delivery_id, d.claim_token
$$;
REVOKE ALL ON FUNCTION scorecard.claim_webhook_deliveries(integer, interval) FROM PUBLIC;
