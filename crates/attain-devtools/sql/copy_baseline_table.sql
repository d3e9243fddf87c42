-- `attain bench ingest`: the table the plain-COPY baseline loads, shaped like metrics.events
-- (same columns, defaults, constraints and indexes) but outside the service's schema, made
-- afresh each run.
CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS bench.events;
CREATE TABLE bench.events (LIKE metrics.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
