-- Baseline (a), a leaderboard from raw events: the top $5 people of tenant $1 on SUM metric $2
-- over $3..=$4 from metrics.events, ties by person id.
SELECT r.person_id, sum(r.value)::bigint AS total FROM metrics.events r
WHERE r.tenant_id = $1 AND r.metric_id = $2 AND r.local_day BETWEEN $3 AND $4
GROUP BY r.person_id ORDER BY total DESC, r.person_id LIMIT $5
