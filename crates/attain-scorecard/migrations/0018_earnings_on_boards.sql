-- Whether the tenant shows earnings on leaderboards (off by default: pay is private until the
-- tenant decides otherwise).
ALTER TABLE scorecard.scorecard_settings ADD COLUMN earnings_on_boards boolean NOT NULL DEFAULT false;
