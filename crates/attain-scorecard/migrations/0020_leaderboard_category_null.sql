-- A board that recognises nothing in particular had category ''; it is NULL now, so a row
-- decodes its category as Option<Category> by name and '' is no longer a name of its own.
ALTER TABLE scorecard.leaderboards ALTER COLUMN category DROP DEFAULT;
ALTER TABLE scorecard.leaderboards ALTER COLUMN category DROP NOT NULL;
-- Row-level security binds the owner too (0006), and this fix is for every tenant's rows:
-- lifted for the one statement, inside this migration's transaction.
ALTER TABLE scorecard.leaderboards NO FORCE ROW LEVEL SECURITY;
UPDATE scorecard.leaderboards SET category = NULL WHERE category = '';
ALTER TABLE scorecard.leaderboards FORCE ROW LEVEL SECURITY;
