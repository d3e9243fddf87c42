-- After a benchmark's bulk load of metrics.events, as autovacuum would: statistics, and the
-- visibility map that lets index-only scans skip the heap.
VACUUM ANALYZE metrics.events
