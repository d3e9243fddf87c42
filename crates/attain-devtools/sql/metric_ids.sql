-- The tenant's metric ids by key ($1 the tenant), for benchmarks that write metrics.events
-- rows themselves (COPY) rather than through the metrics service.
SELECT key, metric_id FROM metrics.catalog WHERE tenant_id = $1
