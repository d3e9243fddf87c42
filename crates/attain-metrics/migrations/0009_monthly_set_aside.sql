-- A pending monthly row the fold cannot apply is set aside rather than retried for ever: the
-- fold then goes on with the tenant's other months, and reads, which add every pending row
-- (set aside or not) to the monthly rows, stay exact. RebuildRollups recomputes the months from
-- the daily rollups and drops every pending row, set aside ones included.
ALTER TABLE metrics.monthly_pending
    ADD COLUMN set_aside_at timestamptz,
    -- Why the fold could not apply it, for whoever repairs it.
    ADD COLUMN set_aside_reason text;
