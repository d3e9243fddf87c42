-- Per-tenant sign-in and the platform operator.
--
-- identity_providers: the token issuers each tenant trusts. A token is routed to a tenant by its
-- `iss` alone, so an issuer belongs to one tenant (the unique index holds across tenants even
-- though row-level security hides the other tenants' rows), and the tenant a token acts in is
-- always its issuer's, never one the token names.
CREATE TABLE org.identity_providers (
    tenant_id            uuid        NOT NULL REFERENCES org.tenants,
    issuer               text        NOT NULL,
    audiences            text[]      NOT NULL,
    jwks_url             text,
    inline_keys          text,
    person_claim         text        NOT NULL,
    person_match         text        NOT NULL CHECK (person_match IN ('email', 'external_id', 'person_id')),
    external_system      text        NOT NULL DEFAULT '',
    role_claim           text        NOT NULL DEFAULT '',
    -- [["claim value", "role"], ...] in the order they are tried.
    role_map             jsonb       NOT NULL DEFAULT '[]',
    default_role         text        CHECK (default_role IN ('admin', 'manager', 'rep', 'integration')),
    leeway_seconds       integer     NOT NULL CHECK (leeway_seconds BETWEEN 0 AND 30),
    max_lifetime_seconds integer     NOT NULL CHECK (max_lifetime_seconds BETWEEN 1 AND 86400),
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, issuer),
    CHECK ((jwks_url IS NULL) <> (inline_keys IS NULL))
);
CREATE UNIQUE INDEX identity_providers_issuer ON org.identity_providers (issuer);
ALTER TABLE org.identity_providers ENABLE ROW LEVEL SECURITY;
ALTER TABLE org.identity_providers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON org.identity_providers
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- The one cross-tenant read sign-in needs: which tenant an issuer belongs to. It answers that
-- alone (not the issuer's settings, which are read in that tenant's transaction). Runs as the
-- bypass role (`attain migrate` hands it over), since row-level security binds its owner.
CREATE FUNCTION org.issuer_tenant(token_issuer text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT tenant_id FROM org.identity_providers WHERE issuer = token_issuer $$;
REVOKE ALL ON FUNCTION org.issuer_tenant(text) FROM PUBLIC;

CREATE TRIGGER identity_providers_changed
    AFTER UPDATE OR DELETE ON org.identity_providers
    FOR EACH ROW EXECUTE FUNCTION org.announce_credential_change();

-- A suspended tenant's credentials are refused in every service; its data stays.
ALTER TABLE org.tenants
    ADD COLUMN suspended_at   timestamptz,
    ADD COLUMN suspend_reason text NOT NULL DEFAULT '';
CREATE TRIGGER tenants_suspended
    AFTER UPDATE OF suspended_at ON org.tenants
    FOR EACH ROW EXECUTE FUNCTION org.announce_credential_change();

-- The operator API's list of every tenant. Runs as the bypass role; the service role may call
-- it, and only the operator API (behind an operator key) does.
CREATE FUNCTION org.operator_tenants() RETURNS SETOF org.tenants
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM org.tenants $$;
REVOKE ALL ON FUNCTION org.operator_tenants() FROM PUBLIC;

-- Platform-operator keys: they belong to no tenant and work only on the operator API.
CREATE TABLE org.operator_keys (
    key_id      uuid        PRIMARY KEY,
    name        text        NOT NULL,
    secret_hash bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
