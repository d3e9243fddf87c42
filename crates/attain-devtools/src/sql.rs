//! The SQL the benchmarks run straight against the services' schemas, as the database owner:
//! loading events, the baselines' hand-written statements, maintenance after a bulk load. Each
//! statement is a named file under `sql/` that says what it is for, so what a benchmark
//! measures can be read (and run in psql) without reading Rust, and a search of `*.sql` finds
//! every reader of a table when its schema changes.
//!
//! A statement whose shape depends on the data (the manager-KPI baseline pivots one column per
//! metric of the scorecard template) is a template with `{slot}`s, filled by [`fill`] with
//! fragments, themselves files.

/// Loads `sql/<path>.sql` into the binary.
macro_rules! sql_file {
    ($path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/sql/", $path, ".sql"))
    };
}

pub const METRIC_IDS: &str = sql_file!("metric_ids");
pub const CATALOG: &str = sql_file!("catalog");
pub const AGGREGATED_METRIC_IDS: &str = sql_file!("aggregated_metric_ids");
pub const COPY_BASELINE_TABLE: &str = sql_file!("copy_baseline_table");
pub const COPY_BASELINE_EVENTS: &str = sql_file!("copy_baseline_events");
pub const COPY_EVENTS: &str = sql_file!("copy_events");
pub const INSERT_RANDOM_EVENTS: &str = sql_file!("insert_random_events");
pub const VACUUM_EVENTS: &str = sql_file!("vacuum_events");
pub const VACUUM_ROLLUPS: &str = sql_file!("vacuum_rollups");
pub const COUNT_EVENTS: &str = sql_file!("count_events");
pub const PERSON_TOTALS_FROM_EVENTS: &str = sql_file!("person_totals_from_events");
pub const DROP_EVENTS_PERSON_DAY_INDEX: &str = sql_file!("drop_events_person_day_index");

/// The scorecard benchmark's baselines: (b) over the rollups, (a) over raw events.
pub mod baseline {
    pub const PERSON_DAILY_ROLLUPS: &str = sql_file!("baseline/person_daily_rollups");
    pub const PERSON_MONTHLY_ROLLUPS: &str = sql_file!("baseline/person_monthly_rollups");
    pub const PERSON_EVENTS: &str = sql_file!("baseline/person_events");
    pub const TEAM_DAILY_ROLLUPS: &str = sql_file!("baseline/team_daily_rollups");
    pub const TEAM_EVENTS: &str = sql_file!("baseline/team_events");
    pub const TOP_THREE_MONTH_TOTALS: &str = sql_file!("baseline/top_three_month_totals");
    pub const TOP_DAILY_ROLLUPS: &str = sql_file!("baseline/top_daily_rollups");
    pub const TOP_MONTHLY_ROLLUPS: &str = sql_file!("baseline/top_monthly_rollups");
    pub const TOP_EVENTS: &str = sql_file!("baseline/top_events");
    /// A template; see [`super::fill`].
    pub const KPIS: &str = sql_file!("baseline/kpis");
    /// Fragments of the KPI template: the per-day rows from either source, and their parts.
    pub const KPIS_DAYS_DAILY_ROLLUPS: &str = sql_file!("baseline/kpis_days_daily_rollups");
    pub const KPIS_DAYS_EVENTS: &str = sql_file!("baseline/kpis_days_events");
    pub const KPIS_COLUMN_DAILY_ROLLUPS: &str = sql_file!("baseline/kpis_column_daily_rollups");
    pub const KPIS_COLUMN_EVENTS: &str = sql_file!("baseline/kpis_column_events");
    pub const KPIS_OBJECTIVE_SUM: &str = sql_file!("baseline/kpis_objective_sum");
    pub const KPIS_GOAL_MET: &str = sql_file!("baseline/kpis_goal_met");
}

/// `template` with every `{name}` of `slots` replaced by its value, without the leading `--`
/// lines that say what the file is for (a fragment repeated per metric would repeat them). A
/// slot the template lacks, or one left unfilled, is a mistake in the files rather than in the
/// data: it fails here, not as a syntax error from the database.
pub fn fill(template: &str, slots: &[(&str, &str)]) -> anyhow::Result<String> {
    let mut text = template
        .lines()
        .skip_while(|line| line.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    for (name, value) in slots {
        let slot = format!("{{{name}}}");
        anyhow::ensure!(text.contains(&slot), "the SQL template has no slot {slot}");
        text = text.replace(&slot, value);
    }
    anyhow::ensure!(
        !text.contains('{'),
        "a slot of the SQL template is left unfilled: {text}"
    );
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file says what it is for, on its first line.
    #[test]
    fn every_statement_starts_with_a_comment_saying_what_it_is_for() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
        let mut files = Vec::new();
        let mut pending = vec![dir];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 20, "{files:?}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                text.starts_with("-- "),
                "{} does not start with a comment",
                file.display()
            );
        }
    }

    #[test]
    fn a_fragment_is_filled_without_its_comment() {
        let column = fill(baseline::KPIS_COLUMN_EVENTS, &[("metric", "7"), ("name", "a0")]).unwrap();
        assert_eq!(
            column,
            ", coalesce(sum(r.value) FILTER (WHERE r.metric_id = 7), 0) AS a0"
        );
    }

    #[test]
    fn the_kpi_templates_have_exactly_the_slots_the_baseline_fills() {
        for days in [baseline::KPIS_DAYS_DAILY_ROLLUPS, baseline::KPIS_DAYS_EVENTS] {
            let days = fill(days, &[("columns", "")]).unwrap();
            assert!(days.trim_start().starts_with("SELECT"), "{days}");
            let slots = [
                ("days", days.as_str()),
                ("objective_sums", ""),
                ("day_met", ""),
                ("week_met", ""),
                ("month_met", ""),
            ];
            let statement = fill(baseline::KPIS, &slots).unwrap();
            assert!(statement.starts_with("WITH RECURSIVE"), "{statement}");
        }
    }

    #[test]
    fn a_missing_or_unfilled_slot_is_refused() {
        assert!(fill(baseline::KPIS_COLUMN_EVENTS, &[("metric", "7")]).is_err());
        assert!(
            fill(
                baseline::KPIS_COLUMN_EVENTS,
                &[("metric", "7"), ("name", "a0"), ("x", "")]
            )
            .is_err()
        );
    }
}
