-- Sums of event values are kept as bigint. One event is bounded (see the ingestion check), but
-- millions of them on one person, day and metric could still pass 2^63 - 1, and an overflowing
-- sum is an error: it would fail the whole batch (other people's events included), every read
-- of that month, and the background fold. Every sum is taken in numeric and saturated to the
-- bigint range instead: a total that large is pinned at the largest bigint, never an error.
CREATE FUNCTION metrics.saturated(total numeric) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN least(greatest(total, -9223372036854775808), 9223372036854775807)::bigint;
