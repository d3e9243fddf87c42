-- `attain bench ingest`: $4 more events for the aggregate comparison (loaded, not timed) of
-- tenant $1, at random over Q3 2026, each of a random person of $2 and metric of $3, value 1–10.
INSERT INTO metrics.events (tenant_id, event_id, person_id, metric_id, occurred_at, local_day, value)
SELECT $1, gen_random_uuid(), ($2::uuid[])[1 + (random() * (cardinality($2) - 1))::int],
       ($3::int[])[1 + (random() * (cardinality($3) - 1))::int], t, t::date, 1 + (random() * 9)::int
FROM (SELECT timestamptz '2026-07-01' + random() * interval '92 days' AS t FROM generate_series(1, $4)) s
