-- Hiring: interview process templates, requisitions, candidates with their stage moves,
-- interviews with scorecards, hires (the idempotency record of HireCandidate) and the bench.
-- People and teams live in the org directory (another service): ids here are checked through
-- its API when written, not by foreign keys.

CREATE SCHEMA IF NOT EXISTS hiring;

CREATE TABLE hiring.process_templates (
    tenant_id         uuid        NOT NULL,
    template_id       uuid        NOT NULL,
    display_name      text        NOT NULL,
    -- [{key, display_name, required, competencies}], in process order. Read and written whole.
    stages            jsonb       NOT NULL,
    create_request_id uuid,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, template_id),
    UNIQUE (tenant_id, create_request_id)
);

CREATE TABLE hiring.requisitions (
    tenant_id          uuid        NOT NULL,
    requisition_id     uuid        NOT NULL,
    title              text        NOT NULL,
    team_id            uuid        NOT NULL,
    sales_role         text        NOT NULL,
    motion             text        NOT NULL,
    hiring_manager_id  uuid        NOT NULL,
    reason             text        NOT NULL CHECK (reason IN ('backfill', 'growth')),
    opened_date        date        NOT NULL,
    target_start_date  date,
    status             text        NOT NULL CHECK (status IN ('open', 'on_hold', 'filled', 'cancelled')),
    template_id        uuid        NOT NULL,
    filled_date        date,
    hired_person_id    uuid,
    create_request_id  uuid,
    revision           bigint      NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, requisition_id),
    UNIQUE (tenant_id, create_request_id),
    CHECK ((status = 'filled') = (filled_date IS NOT NULL)),
    FOREIGN KEY (tenant_id, template_id) REFERENCES hiring.process_templates
);
CREATE INDEX requisitions_manager ON hiring.requisitions (tenant_id, hiring_manager_id);
CREATE INDEX requisitions_team ON hiring.requisitions (tenant_id, team_id);

CREATE TABLE hiring.candidates (
    tenant_id          uuid        NOT NULL,
    candidate_id       uuid        NOT NULL,
    requisition_id     uuid        NOT NULL,
    display_name       text        NOT NULL,
    email              text        NOT NULL DEFAULT '',
    source             text        NOT NULL CHECK (source IN ('referral', 'inbound', 'agency', 'internal')),
    person_id          uuid,
    status             text        NOT NULL CHECK (status IN ('active', 'rejected', 'withdrawn', 'hired')),
    stage              text,
    apply_time         timestamptz NOT NULL,
    close_reason       text        NOT NULL DEFAULT '',
    close_time         timestamptz,
    offer_make_time    timestamptz,
    offer_outcome      text        CHECK (offer_outcome IN ('pending', 'accepted', 'declined')),
    offer_outcome_time timestamptz,
    hired_person_id    uuid,
    create_request_id  uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, candidate_id),
    UNIQUE (tenant_id, create_request_id),
    CHECK ((offer_make_time IS NULL) = (offer_outcome IS NULL)),
    FOREIGN KEY (tenant_id, requisition_id) REFERENCES hiring.requisitions
);
CREATE INDEX candidates_requisition ON hiring.candidates (tenant_id, requisition_id, apply_time);

CREATE TABLE hiring.stage_moves (
    tenant_id    uuid        NOT NULL,
    move_id      uuid        NOT NULL,
    candidate_id uuid        NOT NULL,
    stage        text        NOT NULL,
    enter_time   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, move_id),
    FOREIGN KEY (tenant_id, candidate_id) REFERENCES hiring.candidates ON DELETE CASCADE
);
CREATE INDEX stage_moves_candidate ON hiring.stage_moves (tenant_id, candidate_id, enter_time);

CREATE TABLE hiring.interviews (
    tenant_id         uuid        NOT NULL,
    interview_id      uuid        NOT NULL,
    candidate_id      uuid        NOT NULL,
    stage             text        NOT NULL,
    interviewer_id    uuid        NOT NULL,
    interview_time    timestamptz NOT NULL,
    -- The scorecard; all NULL while the interviewer has not submitted one.
    recommendation    text        CHECK (recommendation IN ('strong_no', 'no', 'yes', 'strong_yes')),
    ratings           jsonb,
    notes             text        NOT NULL DEFAULT '',
    submit_time       timestamptz,
    create_request_id uuid,
    PRIMARY KEY (tenant_id, interview_id),
    UNIQUE (tenant_id, create_request_id),
    CHECK ((recommendation IS NULL) = (submit_time IS NULL)),
    FOREIGN KEY (tenant_id, candidate_id) REFERENCES hiring.candidates ON DELETE CASCADE
);
CREATE INDEX interviews_candidate ON hiring.interviews (tenant_id, candidate_id, interview_time);

-- One row per hire, written before the org directory is asked to create the person: its
-- request_id is sent as CreatePerson's request_id, so a retried or concurrent hire of the same
-- candidate gets the same person back, never a second one. person_id is set once it exists.
CREATE TABLE hiring.hires (
    tenant_id         uuid        NOT NULL,
    candidate_id      uuid        NOT NULL,
    requisition_id    uuid        NOT NULL,
    request_id        uuid        NOT NULL,
    person_id         uuid,
    hiring_manager_id uuid        NOT NULL,
    team_id           uuid        NOT NULL,
    start_date        date        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz,
    PRIMARY KEY (tenant_id, candidate_id),
    -- One hire per seat.
    UNIQUE (tenant_id, requisition_id),
    FOREIGN KEY (tenant_id, candidate_id) REFERENCES hiring.candidates
);
CREATE INDEX hires_manager ON hiring.hires (tenant_id, hiring_manager_id);

CREATE TABLE hiring.bench_entries (
    tenant_id    uuid        NOT NULL,
    entry_id     uuid        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('external', 'internal')),
    team_id      uuid        NOT NULL,
    display_name text        NOT NULL,
    person_id    uuid,
    readiness    text        NOT NULL CHECK (readiness IN ('ready_now', 'ready_6_months', 'ready_12_months')),
    target_roles text[]      NOT NULL,
    notes        text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, entry_id),
    CHECK ((kind = 'internal') = (person_id IS NOT NULL))
);
CREATE INDEX bench_team ON hiring.bench_entries (tenant_id, team_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['process_templates', 'requisitions', 'candidates', 'stage_moves', 'interviews',
                             'hires', 'bench_entries'] LOOP
        EXECUTE format('ALTER TABLE hiring.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON hiring.%I
                 USING (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
                 WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
    END LOOP;
END $$;
