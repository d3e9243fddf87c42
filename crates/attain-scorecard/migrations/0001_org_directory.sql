-- The org directory: tenants, teams, people, role history, external ids and API keys.
-- Every key leads with tenant_id, and row-level security admits only the rows of the tenant
-- named by the transaction-local setting app.tenant_id (see attain_runtime::db::begin_tenant).
-- The service role is neither owner nor BYPASSRLS, so the policies always apply to it.

CREATE SCHEMA IF NOT EXISTS org;
CREATE SCHEMA IF NOT EXISTS scorecard;

CREATE TABLE org.tenants (
    tenant_id               uuid        PRIMARY KEY,
    display_name            text        NOT NULL,
    time_zone               text        NOT NULL,
    first_day_of_week       smallint    NOT NULL CHECK (first_day_of_week BETWEEN 1 AND 7),
    fiscal_year_start_month smallint    NOT NULL CHECK (fiscal_year_start_month BETWEEN 1 AND 12),
    working_days            smallint[]  NOT NULL,
    currency_code           text        NOT NULL CHECK (currency_code ~ '^[A-Z]{3}$'),
    revision                bigint      NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE org.teams (
    tenant_id         uuid        NOT NULL REFERENCES org.tenants,
    team_id           uuid        NOT NULL,
    display_name      text        NOT NULL,
    parent_team_id    uuid,
    motion            text        NOT NULL CHECK (motion IN ('sales_development', 'inside_sales', 'field_sales', 'account_management')),
    manager_person_id uuid,
    create_request_id uuid,
    revision          bigint      NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, team_id),
    UNIQUE (tenant_id, create_request_id),
    FOREIGN KEY (tenant_id, parent_team_id) REFERENCES org.teams (tenant_id, team_id)
);
CREATE INDEX teams_parent ON org.teams (tenant_id, parent_team_id);
CREATE INDEX teams_manager ON org.teams (tenant_id, manager_person_id);

CREATE TABLE org.people (
    tenant_id         uuid        NOT NULL REFERENCES org.tenants,
    person_id         uuid        NOT NULL,
    display_name      text        NOT NULL,
    email             text        NOT NULL DEFAULT '',
    sales_role        text        NOT NULL CHECK (sales_role IN ('sdr', 'inside_sales_ae', 'field_ae', 'account_manager', 'sales_manager', 'sales_leader', 'other')),
    team_id           uuid,
    manager_person_id uuid,
    title             text        NOT NULL DEFAULT '',
    hire_date         date,
    start_date        date,
    end_date          date,
    status            text        NOT NULL CHECK (status IN ('onboarding', 'active', 'left')),
    time_zone         text        NOT NULL DEFAULT '',
    create_request_id uuid,
    revision          bigint      NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, person_id),
    UNIQUE (tenant_id, create_request_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES org.teams (tenant_id, team_id),
    FOREIGN KEY (tenant_id, manager_person_id) REFERENCES org.people (tenant_id, person_id)
);
CREATE INDEX people_team ON org.people (tenant_id, team_id);

ALTER TABLE org.teams
    ADD FOREIGN KEY (tenant_id, manager_person_id) REFERENCES org.people (tenant_id, person_id);

CREATE TABLE org.person_external_ids (
    tenant_id   uuid NOT NULL,
    system      text NOT NULL,
    external_id text NOT NULL,
    person_id   uuid NOT NULL,
    PRIMARY KEY (tenant_id, system, external_id),
    UNIQUE (tenant_id, person_id, system),
    FOREIGN KEY (tenant_id, person_id) REFERENCES org.people (tenant_id, person_id) ON DELETE CASCADE
);

CREATE TABLE org.role_history (
    tenant_id      uuid        NOT NULL,
    person_id      uuid        NOT NULL,
    role_change_id uuid        NOT NULL,
    sales_role     text        NOT NULL,
    title          text        NOT NULL DEFAULT '',
    effective_date date        NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, person_id, role_change_id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES org.people (tenant_id, person_id) ON DELETE CASCADE
);

CREATE TABLE org.api_keys (
    tenant_id   uuid        NOT NULL REFERENCES org.tenants,
    key_id      uuid        NOT NULL,
    name        text        NOT NULL,
    role        text        NOT NULL CHECK (role IN ('admin', 'manager', 'rep', 'integration')),
    person_id   uuid,
    secret_hash bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    PRIMARY KEY (tenant_id, key_id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES org.people (tenant_id, person_id),
    CHECK (role NOT IN ('manager', 'rep') OR person_id IS NOT NULL)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenants', 'teams', 'people', 'person_external_ids', 'role_history', 'api_keys'] LOOP
        EXECUTE format('ALTER TABLE org.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON org.%I
                 USING (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
                 WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
    END LOOP;
END $$;
