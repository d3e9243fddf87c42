-- After a benchmark's rollups are rebuilt, as autovacuum would: statistics, and the visibility
-- map that lets index-only scans skip the heap.
VACUUM ANALYZE metrics.daily_rollups, metrics.monthly_rollups
