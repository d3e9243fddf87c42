-- Baseline (a), a team's scorecard from raw events: the totals of metrics $6 over the people of
-- team $2's subtree (tenant $1, everyone who has not left) from metrics.events over $4..=$5
-- (sum, count, max) and, last, the sum over the previous period $3..$4. One join: per person,
-- without the helper index, each scan would read every event.
WITH RECURSIVE subtree AS (
    SELECT team_id FROM org.teams WHERE tenant_id = $1 AND team_id = $2
    UNION ALL
    SELECT t.team_id FROM org.teams t JOIN subtree s ON t.parent_team_id = s.team_id WHERE t.tenant_id = $1),
people AS (
    SELECT p.person_id FROM subtree, LATERAL (
        SELECT p.person_id FROM org.people p
        WHERE p.tenant_id = $1 AND p.team_id = subtree.team_id AND p.status <> 'left' OFFSET 0) p)
SELECT r.metric_id,
       coalesce(sum(r.value) FILTER (WHERE r.local_day >= $4), 0)::bigint,
       coalesce(count(*) FILTER (WHERE r.local_day >= $4), 0)::bigint,
       coalesce(max(r.value) FILTER (WHERE r.local_day >= $4), 0)::bigint,
       coalesce(sum(r.value) FILTER (WHERE NOT r.local_day >= $4), 0)::bigint
FROM people JOIN metrics.events r USING (person_id)
WHERE r.tenant_id = $1 AND r.local_day BETWEEN $3 AND $5 AND r.metric_id = ANY($6)
GROUP BY r.metric_id
