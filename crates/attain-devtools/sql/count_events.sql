-- `attain bench ingest`: how many events the aggregate comparison runs over.
SELECT count(*) FROM metrics.events
