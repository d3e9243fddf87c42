-- Fragment of the manager-KPI baselines: objective column {column} of a rep's days summed over
-- a week or month. Starts with its comma, so the sums are the fragments one after another.
, sum(w.{column}) AS {column}
