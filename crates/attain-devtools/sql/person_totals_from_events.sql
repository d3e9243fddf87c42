-- `attain bench ingest`: the numbers GetTotals gives for one person ($2 of tenant $1) over
-- $3..=$4, every metric, straight from raw metrics.events, to compare with the rollups.
SELECT metric_id, sum(value)::bigint, count(*), max(value) FROM metrics.events
WHERE tenant_id = $1 AND person_id = $2 AND local_day BETWEEN $3 AND $4 GROUP BY metric_id
