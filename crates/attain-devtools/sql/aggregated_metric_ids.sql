-- `attain bench ingest`: the ids of the tenant's ($1) metrics that are aggregated from events
-- (not ratios), which the aggregate comparison's extra events are spread over.
SELECT metric_id FROM metrics.catalog WHERE tenant_id = $1 AND aggregation IS NOT NULL ORDER BY metric_id
