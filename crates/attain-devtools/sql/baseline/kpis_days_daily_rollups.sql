-- Fragment of kpis.sql, baseline (b): each rep's per-day pivot from metrics.daily_rollups,
-- `columns` from kpis_column_daily_rollups.sql.
    SELECT reps.person_id, d.* FROM reps, LATERAL (
        SELECT r.day {columns} FROM metrics.daily_rollups r
        WHERE r.tenant_id = $1 AND r.person_id = reps.person_id AND r.day BETWEEN $3 AND $4
          AND r.metric_id = ANY($5)
        GROUP BY r.day) d
