-- Baseline (b), a team's scorecard: the totals of metrics $6 over the people of team $2's
-- subtree (tenant $1, everyone who has not left) from metrics.daily_rollups over $4..=$5
-- (sum, count, max) and, last, the sum over the previous period $3..$4.
--
-- Each person's rows are read through the person-first covering key in a LATERAL subquery
-- (OFFSET 0 keeps it a per-person index scan): with the planner's estimate for a subtree's
-- people (every person of the tenant), a plain join reads the metric-first index for everyone
-- instead, 4x slower for a team of 100 at 1,000 people and worse beyond.
WITH RECURSIVE subtree AS (
    SELECT team_id FROM org.teams WHERE tenant_id = $1 AND team_id = $2
    UNION ALL
    SELECT t.team_id FROM org.teams t JOIN subtree s ON t.parent_team_id = s.team_id WHERE t.tenant_id = $1),
people AS (
    SELECT p.person_id FROM subtree, LATERAL (
        SELECT p.person_id FROM org.people p
        WHERE p.tenant_id = $1 AND p.team_id = subtree.team_id AND p.status <> 'left' OFFSET 0) p)
SELECT r.metric_id,
       coalesce(sum(r.sum) FILTER (WHERE r.day >= $4), 0)::bigint,
       coalesce(sum(r.count) FILTER (WHERE r.day >= $4), 0)::bigint,
       coalesce(max(r.max) FILTER (WHERE r.day >= $4), 0)::bigint,
       coalesce(sum(r.sum) FILTER (WHERE NOT r.day >= $4), 0)::bigint
FROM people, LATERAL (
    SELECT r.metric_id, r.day, r.sum, r.count, r.max FROM metrics.daily_rollups r
    WHERE r.tenant_id = $1 AND r.day BETWEEN $3 AND $5 AND r.metric_id = ANY($6)
      AND r.person_id = people.person_id OFFSET 0) r
GROUP BY r.metric_id
