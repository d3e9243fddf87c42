-- Milestones are listed newest first by the day achieved (then by detection), per tenant and
-- per person.
CREATE INDEX milestones_by_day ON scorecard.milestones (tenant_id, day DESC, milestone_id DESC);
CREATE INDEX milestones_person_by_day ON scorecard.milestones (tenant_id, person_id, day DESC, milestone_id DESC);
