-- Baseline (b), a leaderboard over whole months other than three: the top $5 people of tenant
-- $1 on SUM metric $2 over $3..=$4 from metrics.monthly_rollups, ties by person id.
SELECT r.person_id, sum(r.sum)::bigint AS total FROM metrics.monthly_rollups r
WHERE r.tenant_id = $1 AND r.metric_id = $2 AND r.month BETWEEN $3 AND $4
GROUP BY r.person_id ORDER BY total DESC, r.person_id LIMIT $5
