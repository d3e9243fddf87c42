-- Baseline (a), a person's scorecard from raw events: person $2's totals of metrics $6
-- (tenant $1) from metrics.events over $4..=$5 (sum, count, max) and, last, the sum over the
-- previous period $3..$4. Run with the helper index dropped, so only the primary key is left.
SELECT r.metric_id,
       coalesce(sum(r.value) FILTER (WHERE r.local_day >= $4), 0)::bigint,
       coalesce(count(*) FILTER (WHERE r.local_day >= $4), 0)::bigint,
       coalesce(max(r.value) FILTER (WHERE r.local_day >= $4), 0)::bigint,
       coalesce(sum(r.value) FILTER (WHERE NOT r.local_day >= $4), 0)::bigint
FROM metrics.events r
WHERE r.tenant_id = $1 AND r.local_day BETWEEN $3 AND $5 AND r.metric_id = ANY($6) AND r.person_id = $2
GROUP BY r.metric_id
