-- Fragment of the manager-KPI baselines: one goal check, column {column} of {row} (a rep's day,
-- week or month) at least its target in {targets}, which holds {per_span} targets per span
-- (in column order) and span g.i's {position}th of them. Starts with AND, after `true`.
AND {row}.{column} >= {targets}[({per_span} * (g.i - 1) + {position})::int]
