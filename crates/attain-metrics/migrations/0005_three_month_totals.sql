-- Totals of every run of three consecutive calendar months, per person and metric, ranked by
-- value in an index. A quarter's leaderboard over a whole tenant (top 50 of 10,000 reps) then
-- reads its top rows from the index instead of summing 30,000 monthly rows first. A fiscal
-- quarter may start in any month, so every month starts a window, whatever the tenant's fiscal
-- calendar is or becomes. The folder keeps these rows together with the monthly rollups they
-- are made of (same transaction, same tenant lock); reads add what is still pending.
CREATE TABLE metrics.three_month_totals (
    tenant_id   uuid    NOT NULL,
    person_id   uuid    NOT NULL,
    -- The first day of the window's first month; the window ends with the month two later.
    first_month date    NOT NULL CHECK (extract(day FROM first_month) = 1),
    metric_id   integer NOT NULL,
    sum         bigint  NOT NULL,
    count       bigint  NOT NULL,
    PRIMARY KEY (tenant_id, person_id, first_month, metric_id)
);
CREATE INDEX three_month_totals_ranked ON metrics.three_month_totals (tenant_id, metric_id, first_month, sum, person_id)
    INCLUDE (count);

INSERT INTO metrics.three_month_totals (tenant_id, person_id, first_month, metric_id, sum, count)
SELECT tenant_id, person_id, (month - make_interval(months => o))::date, metric_id, sum(sum), sum(count)
FROM metrics.monthly_rollups CROSS JOIN generate_series(0, 2) AS o
GROUP BY 1, 2, 3, 4;

ALTER TABLE metrics.three_month_totals ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON metrics.three_month_totals
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
