-- Baseline (b), a leaderboard over exactly three whole months: the top $4 people of tenant $1
-- on metric $2 from the start month $3, read off the top of the ranked index of
-- metrics.three_month_totals (exact after the bench's rebuild, as nothing is pending).
SELECT person_id, sum FROM metrics.three_month_totals
WHERE tenant_id = $1 AND metric_id = $2 AND first_month = $3 AND count > 0
ORDER BY sum DESC, person_id LIMIT $4
