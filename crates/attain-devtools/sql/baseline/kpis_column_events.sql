-- Fragment of kpis_days_events.sql: one pivot column, metric {metric}'s sum per rep and day, named
-- {name}. Starts with its comma, so the columns are the fragments one after another.
, coalesce(sum(r.value) FILTER (WHERE r.metric_id = {metric}), 0) AS {name}
