-- Baseline (b), a person's scorecard over whole months (a quarter: three rows per person and
-- metric instead of about 66): person $2's totals of metrics $6 (tenant $1) from
-- metrics.monthly_rollups over $4..=$5 (sum, count, max) and, last, the sum over the previous
-- period $3..$4.
SELECT r.metric_id,
       coalesce(sum(r.sum) FILTER (WHERE r.month >= $4), 0)::bigint,
       coalesce(sum(r.count) FILTER (WHERE r.month >= $4), 0)::bigint,
       coalesce(max(r.max) FILTER (WHERE r.month >= $4), 0)::bigint,
       coalesce(sum(r.sum) FILTER (WHERE NOT r.month >= $4), 0)::bigint
FROM metrics.monthly_rollups r
WHERE r.tenant_id = $1 AND r.month BETWEEN $3 AND $5 AND r.metric_id = ANY($6) AND r.person_id = $2
GROUP BY r.metric_id
