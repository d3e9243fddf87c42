-- Action plans that run past their end date are closed by Attain ('ended') with their
-- before/after fixed, and a plan keeps the warnings it was saved with (its length, other active
-- plans of the rep it overlaps) so that every read shows them. NULL warnings: a plan saved
-- before they were kept; its length is checked again on read.
ALTER TABLE coaching.action_plans DROP CONSTRAINT action_plans_status_check;
ALTER TABLE coaching.action_plans
    ADD CONSTRAINT action_plans_status_check CHECK (status IN ('active', 'completed', 'abandoned', 'ended'));
ALTER TABLE coaching.action_plans ADD COLUMN warnings jsonb;
