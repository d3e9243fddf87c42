-- Fragment of kpis.sql, baseline (a): each rep's per-day pivot from raw metrics.events (the
-- helper index dropped), `columns` from kpis_column_events.sql.
    SELECT r.person_id, r.local_day AS day {columns} FROM metrics.events r JOIN reps USING (person_id)
    WHERE r.tenant_id = $1 AND r.local_day BETWEEN $3 AND $4 AND r.metric_id = ANY($5)
    GROUP BY 1, 2
