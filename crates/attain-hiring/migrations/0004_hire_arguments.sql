-- A hire remembers the arguments it was first asked with, so that a retry with different ones
-- (another start date or ramp) is refused instead of half-applied. NULL on hires recorded
-- before this column: their retries are compared on the start date only.
ALTER TABLE hiring.hires ADD COLUMN ramp_id uuid;
ALTER TABLE hiring.hires ADD COLUMN email text;
ALTER TABLE hiring.hires ADD COLUMN title text;
