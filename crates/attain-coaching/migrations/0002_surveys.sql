-- Surveys. Answers are anonymous: `responses` has no person, no time and no link to
-- `invitations`; its key is a keyed hash of (campaign, person) made with the deployment's survey
-- secret, which is not stored here, so reading the tables cannot tell whose answers are whose,
-- while the same person answering again replaces their answer instead of adding one.

CREATE TABLE coaching.survey_templates (
    tenant_id    uuid        NOT NULL,
    template_id  uuid        NOT NULL,
    display_name text        NOT NULL,
    questions    jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, template_id),
    UNIQUE (tenant_id, display_name)
);

CREATE TABLE coaching.campaigns (
    tenant_id            uuid          NOT NULL,
    campaign_id          uuid          NOT NULL,
    -- A tenant template, or the built-in template's fixed id.
    template_id          uuid          NOT NULL,
    display_name         text          NOT NULL,
    audience             jsonb         NOT NULL,
    subject_rule         text          NOT NULL CHECK (subject_rule IN ('manager', 'person')),
    subject_person_id    uuid,
    open_time            timestamptz   NOT NULL,
    close_time           timestamptz   NOT NULL,
    reminder_times       timestamptz[] NOT NULL DEFAULT '{}',
    recurrence           text          NOT NULL CHECK (recurrence IN ('none', 'quarterly')),
    previous_campaign_id uuid,
    closed_early         boolean       NOT NULL DEFAULT false,
    created_at           timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, campaign_id),
    UNIQUE (tenant_id, previous_campaign_id),
    CHECK (open_time < close_time)
);

-- Who is asked, and about whom.
CREATE TABLE coaching.invitations (
    tenant_id   uuid NOT NULL,
    campaign_id uuid NOT NULL,
    person_id   uuid NOT NULL,
    subject_id  uuid NOT NULL,
    PRIMARY KEY (tenant_id, campaign_id, person_id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES coaching.campaigns ON DELETE CASCADE
);

CREATE TABLE coaching.responses (
    tenant_id      uuid  NOT NULL,
    campaign_id    uuid  NOT NULL,
    respondent_tag bytea NOT NULL,
    subject_id     uuid  NOT NULL,
    answers        jsonb NOT NULL,
    PRIMARY KEY (tenant_id, campaign_id, respondent_tag),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES coaching.campaigns ON DELETE CASCADE
);

CREATE TABLE coaching.survey_settings (
    tenant_id     uuid    PRIMARY KEY,
    min_responses integer NOT NULL CHECK (min_responses BETWEEN 2 AND 100)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['survey_templates', 'campaigns', 'invitations', 'responses', 'survey_settings'] LOOP
        EXECUTE format('ALTER TABLE coaching.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON coaching.%I
                 USING (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
                 WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
    END LOOP;
END $$;
