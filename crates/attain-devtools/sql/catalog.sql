-- The tenant's catalog as `attain bench scorecard`'s baselines need it ($1 the tenant): each
-- metric's id, its aggregation, and the keys of a ratio's parts.
SELECT key, metric_id, aggregation, numerator_key, denominator_key FROM metrics.catalog WHERE tenant_id = $1
