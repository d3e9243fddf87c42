-- Coaching: sessions and their people, action items, cadences, development and action plans,
-- skill ratings. People and teams live in the org directory (another service): ids here are
-- checked through its API when written, not by foreign keys.

CREATE SCHEMA IF NOT EXISTS coaching;

CREATE TABLE coaching.cadences (
    tenant_id        uuid        NOT NULL,
    cadence_id       uuid        NOT NULL,
    kind             text        NOT NULL,
    coach_id         uuid        NOT NULL,
    coachee_ids      uuid[]      NOT NULL,
    one_per_coachee  boolean     NOT NULL,
    frequency        text        NOT NULL CHECK (frequency IN ('weekly', 'biweekly', 'monthly')),
    weekday          smallint    NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_minute     integer     NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    time_zone        text        NOT NULL,
    duration_minutes integer     NOT NULL,
    start_date       date        NOT NULL,
    end_date         date,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, cadence_id)
);

CREATE TABLE coaching.sessions (
    tenant_id           uuid        NOT NULL,
    session_id          uuid        NOT NULL,
    kind                text        NOT NULL,
    coach_id            uuid        NOT NULL,
    start_time          timestamptz NOT NULL,
    duration_minutes    integer     NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    status              text        NOT NULL CHECK (status IN ('scheduled', 'completed', 'cancelled', 'no_show')),
    agenda              text        NOT NULL DEFAULT '',
    notes               text        NOT NULL DEFAULT '',
    went_well           text[]      NOT NULL DEFAULT '{}',
    to_improve          text[]      NOT NULL DEFAULT '{}',
    focus_metric_keys   text[]      NOT NULL DEFAULT '{}',
    links               jsonb       NOT NULL DEFAULT '[]',
    follow_up_session_id uuid,
    cadence_id          uuid,
    -- For generated sessions: which occurrence (and coachee) of the cadence, so generating twice
    -- creates nothing new.
    cadence_slot        text,
    create_request_id   uuid,
    revision            bigint      NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, session_id),
    UNIQUE (tenant_id, cadence_id, cadence_slot),
    UNIQUE (tenant_id, create_request_id),
    FOREIGN KEY (tenant_id, cadence_id) REFERENCES coaching.cadences ON DELETE SET NULL (cadence_id)
);
CREATE INDEX sessions_coach_time ON coaching.sessions (tenant_id, coach_id, start_time);
CREATE INDEX sessions_time ON coaching.sessions (tenant_id, start_time);

CREATE TABLE coaching.session_people (
    tenant_id  uuid    NOT NULL,
    session_id uuid    NOT NULL,
    person_id  uuid    NOT NULL,
    expert     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, session_id, person_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES coaching.sessions ON DELETE CASCADE
);
CREATE INDEX session_people_person ON coaching.session_people (tenant_id, person_id);

CREATE TABLE coaching.action_items (
    tenant_id      uuid        NOT NULL,
    action_item_id uuid        NOT NULL,
    session_id     uuid        NOT NULL,
    description    text        NOT NULL,
    owner_id       uuid        NOT NULL,
    due_date       date        NOT NULL,
    done_at        timestamptz,
    PRIMARY KEY (tenant_id, action_item_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES coaching.sessions ON DELETE CASCADE
);
CREATE INDEX action_items_owner ON coaching.action_items (tenant_id, owner_id, due_date);

CREATE TABLE coaching.development_plans (
    tenant_id  uuid        NOT NULL,
    person_id  uuid        NOT NULL,
    plan_id    uuid        NOT NULL,
    goals      text[]      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, person_id),
    UNIQUE (tenant_id, plan_id)
);

-- metric_goals: [{"metric_key", "from", "to", "baseline"}]; steps: [{"id", "description",
-- "owner_id", "due_date", "done"}].
CREATE TABLE coaching.action_plans (
    tenant_id      uuid        NOT NULL,
    action_plan_id uuid        NOT NULL,
    person_id      uuid        NOT NULL,
    title          text        NOT NULL,
    start_date     date        NOT NULL,
    end_date       date        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('active', 'completed', 'abandoned')),
    metric_goals   jsonb       NOT NULL,
    steps          jsonb       NOT NULL,
    revision       bigint      NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, action_plan_id),
    CHECK (start_date <= end_date),
    FOREIGN KEY (tenant_id, person_id) REFERENCES coaching.development_plans (tenant_id, person_id)
);

CREATE TABLE coaching.check_ins (
    tenant_id      uuid        NOT NULL,
    check_in_id    uuid        NOT NULL,
    action_plan_id uuid        NOT NULL,
    author_id      uuid,
    note           text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, check_in_id),
    FOREIGN KEY (tenant_id, action_plan_id) REFERENCES coaching.action_plans ON DELETE CASCADE
);

CREATE TABLE coaching.skill_ratings (
    tenant_id  uuid        NOT NULL,
    rating_id  uuid        NOT NULL,
    person_id  uuid        NOT NULL,
    competency text        NOT NULL,
    rating     smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    note       text        NOT NULL DEFAULT '',
    rated_by   uuid,
    rated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, rating_id)
);
CREATE INDEX skill_ratings_person ON coaching.skill_ratings (tenant_id, person_id, competency, rated_at);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cadences', 'sessions', 'session_people', 'action_items', 'development_plans',
                             'action_plans', 'check_ins', 'skill_ratings'] LOOP
        EXECUTE format('ALTER TABLE coaching.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON coaching.%I
                 USING (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
                 WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
    END LOOP;
END $$;
