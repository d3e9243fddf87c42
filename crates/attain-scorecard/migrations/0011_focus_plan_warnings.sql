-- A focus plan keeps the warnings it was saved with, so that every read shows them (a manager
-- who saved 4 key results and 14 behaviours sees that advice again, not only in the save's
-- answer). NULL for plans saved before this column: those are checked again on read.
ALTER TABLE scorecard.focus_plans ADD COLUMN warnings jsonb;
