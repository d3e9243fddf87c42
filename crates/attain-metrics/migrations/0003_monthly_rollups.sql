-- Per-person monthly rollups, kept in the same transaction as the daily ones. A period made of
-- whole months (a month, a quarter, a fiscal year) reads one row per person, metric and month
-- instead of one per day: a quarter's leaderboard over 10,000 reps reads 30,000 rows instead of
-- about 300,000, a person's quarter three rows per metric instead of 66. Partial months at the
-- edges of a period still come from the daily rollups.
CREATE TABLE metrics.monthly_rollups (
    tenant_id uuid    NOT NULL,
    person_id uuid    NOT NULL,
    -- The first day of the calendar month of the events' local days.
    month     date    NOT NULL CHECK (extract(day FROM month) = 1),
    metric_id integer NOT NULL,
    sum       bigint  NOT NULL,
    count     bigint  NOT NULL,
    max       bigint  NOT NULL,
    PRIMARY KEY (tenant_id, person_id, month, metric_id) INCLUDE (sum, count, max)
);
CREATE INDEX monthly_rollups_metric_month ON metrics.monthly_rollups (tenant_id, metric_id, month)
    INCLUDE (person_id, sum, count, max);

INSERT INTO metrics.monthly_rollups (tenant_id, person_id, month, metric_id, sum, count, max)
SELECT tenant_id, person_id, date_trunc('month', day::timestamp)::date, metric_id, sum(sum), sum(count), max(max)
FROM metrics.daily_rollups
GROUP BY 1, 2, 3, 4;

ALTER TABLE metrics.monthly_rollups ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON metrics.monthly_rollups
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
