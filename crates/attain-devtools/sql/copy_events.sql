-- `attain bench scorecard --load copy`: the quarter's events straight into metrics.events (tab
-- separated text), before the RebuildRollups RPC makes the service's rollups from them.
COPY metrics.events (tenant_id, event_id, person_id, metric_id, occurred_at, local_day, value, source) FROM STDIN
