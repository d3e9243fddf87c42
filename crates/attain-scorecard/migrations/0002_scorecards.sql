-- Scorecard templates, their assignments, ramps, quotas, target overrides and time off.
-- Targets are float8: they are derived values (60 a day spread over a month) compared with
-- integer actuals, never money that is stored or added up for payment.

CREATE TABLE scorecard.templates (
    tenant_id         uuid        NOT NULL REFERENCES org.tenants,
    template_id       uuid        NOT NULL,
    key               text        NOT NULL,
    display_name      text        NOT NULL,
    description       text        NOT NULL DEFAULT '',
    create_request_id uuid,
    revision          bigint      NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, template_id),
    UNIQUE (tenant_id, key),
    UNIQUE (tenant_id, create_request_id)
);

CREATE TABLE scorecard.template_lines (
    tenant_id    uuid    NOT NULL,
    template_id  uuid    NOT NULL,
    position     integer NOT NULL,
    metric_key   text    NOT NULL,
    section      text    NOT NULL CHECK (section IN ('activities', 'objectives', 'efficiency', 'results')),
    daily        float8,
    weekly       float8,
    monthly      float8,
    quarterly    float8,
    level        float8,
    weight       float8  NOT NULL,
    red_below    float8  NOT NULL,
    green_from   float8  NOT NULL,
    PRIMARY KEY (tenant_id, template_id, position),
    UNIQUE (tenant_id, template_id, metric_key),
    FOREIGN KEY (tenant_id, template_id) REFERENCES scorecard.templates ON DELETE CASCADE
);

CREATE TABLE scorecard.team_templates (
    tenant_id   uuid NOT NULL,
    team_id     uuid NOT NULL,
    template_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, team_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES org.teams (tenant_id, team_id),
    FOREIGN KEY (tenant_id, template_id) REFERENCES scorecard.templates ON DELETE CASCADE
);

CREATE TABLE scorecard.person_templates (
    tenant_id   uuid NOT NULL,
    person_id   uuid NOT NULL,
    template_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, person_id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES org.people (tenant_id, person_id),
    FOREIGN KEY (tenant_id, template_id) REFERENCES scorecard.templates ON DELETE CASCADE
);

CREATE TABLE scorecard.ramps (
    tenant_id    uuid        NOT NULL REFERENCES org.tenants,
    ramp_id      uuid        NOT NULL,
    display_name text        NOT NULL,
    steps        float8[]    NOT NULL,
    is_default   boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, ramp_id),
    UNIQUE (tenant_id, display_name)
);
CREATE UNIQUE INDEX ramps_one_default ON scorecard.ramps (tenant_id) WHERE is_default;

CREATE TABLE scorecard.person_ramps (
    tenant_id uuid NOT NULL,
    person_id uuid NOT NULL,
    ramp_id   uuid NOT NULL,
    PRIMARY KEY (tenant_id, person_id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES org.people (tenant_id, person_id),
    FOREIGN KEY (tenant_id, ramp_id) REFERENCES scorecard.ramps
);

CREATE TABLE scorecard.quotas (
    tenant_id   uuid        NOT NULL REFERENCES org.tenants,
    quota_id    uuid        NOT NULL,
    person_id   uuid,
    team_id     uuid,
    kind        text        NOT NULL CHECK (kind IN ('activity', 'volume', 'profit')),
    metric_key  text        NOT NULL,
    granularity text        NOT NULL CHECK (granularity IN ('month', 'quarter', 'year')),
    start_date  date        NOT NULL,
    end_date    date        NOT NULL,
    amount      bigint      NOT NULL CHECK (amount >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, quota_id),
    CHECK (num_nonnulls(person_id, team_id) = 1),
    CHECK (start_date <= end_date),
    FOREIGN KEY (tenant_id, person_id) REFERENCES org.people (tenant_id, person_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES org.teams (tenant_id, team_id)
);
CREATE UNIQUE INDEX quotas_person_period ON scorecard.quotas (tenant_id, person_id, metric_key, start_date, end_date)
    WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX quotas_team_period ON scorecard.quotas (tenant_id, team_id, metric_key, start_date, end_date)
    WHERE team_id IS NOT NULL;

CREATE TABLE scorecard.target_overrides (
    tenant_id  uuid   NOT NULL,
    person_id  uuid   NOT NULL,
    metric_key text   NOT NULL,
    daily      float8,
    weekly     float8,
    monthly    float8,
    quarterly  float8,
    level      float8,
    PRIMARY KEY (tenant_id, person_id, metric_key),
    FOREIGN KEY (tenant_id, person_id) REFERENCES org.people (tenant_id, person_id)
);

CREATE TABLE scorecard.time_off (
    tenant_id   uuid        NOT NULL,
    time_off_id uuid        NOT NULL,
    person_id   uuid        NOT NULL,
    start_date  date        NOT NULL,
    end_date    date        NOT NULL,
    reason      text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, time_off_id),
    CHECK (start_date <= end_date),
    FOREIGN KEY (tenant_id, person_id) REFERENCES org.people (tenant_id, person_id)
);
CREATE INDEX time_off_person ON scorecard.time_off (tenant_id, person_id, start_date);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['templates', 'template_lines', 'team_templates', 'person_templates', 'ramps',
                             'person_ramps', 'quotas', 'target_overrides', 'time_off'] LOOP
        EXECUTE format('ALTER TABLE scorecard.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON scorecard.%I
                 USING (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
                 WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
    END LOOP;
END $$;
