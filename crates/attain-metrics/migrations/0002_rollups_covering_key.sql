-- A person's scorecard reads every metric of every day of a period for that person: carrying
-- the sums in the primary key lets PostgreSQL answer from the index alone (an index-only scan)
-- instead of visiting a heap page per rollup row.
ALTER TABLE metrics.daily_rollups
    DROP CONSTRAINT daily_rollups_pkey,
    ADD PRIMARY KEY (tenant_id, person_id, day, metric_id) INCLUDE (sum, count, max);
