-- Baseline (a) of `attain bench scorecard`: drops the (tenant_id, person_id, local_day) helper
-- index of metrics.events inside a transaction the bench always rolls back, so the raw-event
-- statements can use only the primary key (tenant_id, event_id), as a naive schema would.
DROP INDEX metrics.events_person_day
