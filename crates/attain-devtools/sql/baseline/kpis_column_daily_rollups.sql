-- Fragment of kpis_days_daily_rollups.sql: one pivot column, metric {metric}'s sum per rep and day,
-- named {name}. Starts with its comma, so the columns are the fragments one after another.
, coalesce(sum(r.sum) FILTER (WHERE r.metric_id = {metric}), 0) AS {name}
