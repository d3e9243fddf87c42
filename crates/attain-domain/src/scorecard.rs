//! Scorecard math (issue 4): targets per granularity, ramped quotas, attainment, bands, pace and
//! projection, weighted scores. Pure: no I/O.
