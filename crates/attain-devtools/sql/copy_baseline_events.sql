-- `attain bench ingest`: the plain-COPY baseline, the same events as CSV into bench.events.
COPY bench.events (tenant_id, event_id, person_id, metric_id, occurred_at, local_day, value) FROM STDIN (FORMAT csv)
