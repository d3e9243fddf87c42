-- Baseline (a) over raw events and (b) over the daily rollups, a manager's KPIs: for team $2's
-- subtree (tenant $1) over $3..=$4, the share of reps who met every activity goal each working
-- day ($6 the days, $7 their targets) and every objective goal each week ($8, $9) and month ($10,
-- $11), and each rep's quota ($13/$14 reps with their own; $12 the team's, split over its direct
-- reps without one), quota-metric actual and pipeline (metrics $5).
--
-- A template, as the pivot has a column per metric of the scorecard template and the per-day
-- rows come from either source: `days` is filled with kpis_days_events.sql or
-- kpis_days_daily_rollups.sql, their `columns` with kpis_column_events.sql or
-- kpis_column_daily_rollups.sql (a0… activities, o0… objectives, q quota, p pipeline),
-- `objective_sums` with kpis_objective_sum.sql, and the goal checks `day_met`, `week_met` and
-- `month_met` with kpis_goal_met.sql.
WITH RECURSIVE subtree AS (
    SELECT team_id FROM org.teams WHERE tenant_id = $1 AND team_id = $2
    UNION ALL
    SELECT t.team_id FROM org.teams t JOIN subtree s ON t.parent_team_id = s.team_id WHERE t.tenant_id = $1),
reps AS (
    SELECT m.person_id, m.direct, q.amount AS own
    FROM (SELECT p.* FROM subtree, LATERAL (
              SELECT p.person_id, p.team_id = $2 AS direct FROM org.people p
              WHERE p.tenant_id = $1 AND p.team_id = subtree.team_id AND p.status IN ('active', 'onboarding')
                AND p.sales_role IN ('sdr', 'inside_sales_ae', 'field_ae', 'account_manager') OFFSET 0) p) m
    LEFT JOIN unnest($13::uuid[], $14::float8[]) AS q(person_id, amount) USING (person_id)),
days AS MATERIALIZED (
{days}),
weeks AS (SELECT w.person_id, greatest(date_trunc('week', w.day)::date, $3) AS span {objective_sums} FROM days w GROUP BY 1, 2),
months AS (SELECT w.person_id, greatest(date_trunc('month', w.day)::date, $3) AS span {objective_sums} FROM days w GROUP BY 1, 2),
-- A team quota is split evenly over the team's direct reps without their own quota.
quotas AS (
    SELECT person_id, coalesce(own, CASE WHEN direct THEN
               greatest($12 - coalesce(sum(own) FILTER (WHERE direct) OVER (), 0), 0)
               / nullif(count(*) FILTER (WHERE direct AND own IS NULL) OVER (), 0) END) AS quota
    FROM reps),
counted AS (SELECT count(*) AS n FROM reps)
SELECT 'day' AS kind, g.span, NULL::uuid AS person, count(d.person_id) FILTER (WHERE true {day_met}) AS met,
       min(counted.n) AS counted, 0::float8 AS actual, 0::float8 AS target, 0::float8 AS pipeline
FROM counted, unnest($6::date[]) WITH ORDINALITY AS g(span, i) LEFT JOIN days d ON d.day = g.span GROUP BY g.span
UNION ALL
SELECT 'week', g.span, NULL, count(w.person_id) FILTER (WHERE true {week_met}), min(counted.n), 0, 0, 0
FROM counted, unnest($8::date[]) WITH ORDINALITY AS g(span, i) LEFT JOIN weeks w ON w.span = g.span GROUP BY g.span
UNION ALL
SELECT 'month', g.span, NULL, count(w.person_id) FILTER (WHERE true {month_met}), min(counted.n), 0, 0, 0
FROM counted, unnest($10::date[]) WITH ORDINALITY AS g(span, i) LEFT JOIN months w ON w.span = g.span GROUP BY g.span
UNION ALL
SELECT 'rep', NULL, q.person_id, 0, 0, coalesce(sum(d.q), 0)::float8, coalesce(q.quota, 0)::float8,
       coalesce(sum(d.p), 0)::float8
FROM quotas q LEFT JOIN days d USING (person_id) GROUP BY q.person_id, q.quota
ORDER BY 1, 2, 3
