-- The metrics service: a per-tenant catalog, raw events, and per-person daily rollups kept in
-- the same transaction as the events. Every key leads with tenant_id and row-level security
-- admits only the rows of app.tenant_id.

CREATE SCHEMA IF NOT EXISTS metrics;

CREATE TABLE metrics.catalog (
    tenant_id       uuid        NOT NULL,
    metric_id       integer     GENERATED ALWAYS AS IDENTITY,
    key             text        NOT NULL,
    display_name    text        NOT NULL,
    description     text        NOT NULL DEFAULT '',
    layer           text        NOT NULL CHECK (layer IN ('activity', 'objective', 'result', 'efficiency')),
    aggregation     text        CHECK (aggregation IN ('count', 'sum', 'max')),
    unit            text        NOT NULL CHECK (unit IN ('count', 'currency_minor', 'seconds', 'days', 'ratio')),
    direction       text        NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
    numerator_key   text,
    denominator_key text,
    state           text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired')),
    built_in        boolean     NOT NULL DEFAULT false,
    revision        bigint      NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, metric_id),
    UNIQUE (tenant_id, key),
    -- An event metric has an aggregation; a ratio has a numerator and denominator instead.
    CHECK ((aggregation IS NULL) = (numerator_key IS NOT NULL AND denominator_key IS NOT NULL))
);

-- Metrics are retired, never deleted, so events need no foreign key to the catalog (which
-- would cost a lookup per ingested row).
CREATE TABLE metrics.events (
    tenant_id   uuid        NOT NULL,
    event_id    uuid        NOT NULL,
    person_id   uuid        NOT NULL,
    metric_id   integer     NOT NULL,
    occurred_at timestamptz NOT NULL,
    local_day   date        NOT NULL,
    value       bigint      NOT NULL CHECK (value >= 0),
    source      text,
    external_id text,
    attributes  jsonb,
    ingested_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id)
);
-- Recomputing a person's day after a retraction, and the raw-events baseline of the benchmark.
CREATE INDEX events_person_day ON metrics.events (tenant_id, person_id, local_day);

-- Person-first key for scorecards (one person, all metrics, a period); metric-first index for
-- leaderboards (one metric, everyone, a period).
CREATE TABLE metrics.daily_rollups (
    tenant_id uuid    NOT NULL,
    person_id uuid    NOT NULL,
    day       date    NOT NULL,
    metric_id integer NOT NULL,
    sum       bigint  NOT NULL,
    count     bigint  NOT NULL,
    max       bigint  NOT NULL,
    PRIMARY KEY (tenant_id, person_id, day, metric_id)
);
CREATE INDEX daily_rollups_metric_day ON metrics.daily_rollups (tenant_id, metric_id, day) INCLUDE (person_id, sum, count, max);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['catalog', 'events', 'daily_rollups'] LOOP
        EXECUTE format('ALTER TABLE metrics.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON metrics.%I
                 USING (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
                 WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
    END LOOP;
END $$;
