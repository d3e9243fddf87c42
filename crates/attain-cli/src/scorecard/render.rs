//! Terminal rendering of scorecards and manager KPIs: pure functions from the service's
//! responses to text, so every figure's format is tested without a server.

use std::collections::HashMap;

pub use attain_domain::money::{minor_digits, money, thousands};

use attain_proto::{
    common::v1::{Date, DateRange},
    metrics::v1::{Metric, Unit},
    scorecard::v1::{Band, GoalShare, ManagerKpis, Scorecard, ScorecardLine, Section, scorecard},
};

/// Whether to colour bands: only for a terminal, and never when `NO_COLOR` is set to anything
/// but the empty string (<https://no-color.org>).
pub fn color_enabled(stdout_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stdout_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// What the renderer knows about metrics and money: units and names from the metric catalog,
/// and the tenant's currency. Anything missing is shown as a plain number.
#[derive(Default)]
pub struct Catalog {
    metrics: HashMap<String, (Unit, String)>,
    currency: String,
}

impl Catalog {
    pub fn new(metrics: &[Metric], currency: &str) -> Catalog {
        Catalog {
            metrics: metrics
                .iter()
                .map(|m| (m.key.clone(), (m.unit(), m.display_name.clone())))
                .collect(),
            currency: currency.to_string(),
        }
    }

    fn unit(&self, key: &str) -> Option<Unit> {
        self.metrics.get(key).map(|(unit, _)| *unit)
    }

    /// The metric's display name, or its key when the catalog does not know it.
    pub fn display_name<'a>(&'a self, key: &'a str) -> &'a str {
        self.name(key)
    }

    fn name<'a>(&'a self, key: &'a str) -> &'a str {
        self.metrics.get(key).map_or(key, |(_, name)| name.as_str())
    }

    /// `value` of metric `key` in its unit; `ratio` says the line is a ratio when the catalog
    /// does not know the metric.
    pub fn format(&self, key: &str, value: f64, ratio: bool) -> String {
        let unit = self.unit(key).unwrap_or(if ratio { Unit::Ratio } else { Unit::Count });
        match unit {
            Unit::CurrencyMinor => money(value, &self.currency),
            Unit::Ratio => percent(value, 1),
            Unit::Seconds => duration(value),
            Unit::Days => format!("{value:.1} d"),
            Unit::Count | Unit::Unspecified => number(value),
        }
    }

    /// A target or projection of metric `key`: counts in whole units, or per-day figures
    /// (`daily`: a one-day period) below 10 with one decimal; other units as `format`.
    pub fn format_planned(&self, key: &str, value: f64, ratio: bool, daily: bool) -> String {
        match self.unit(key).unwrap_or(if ratio { Unit::Ratio } else { Unit::Count }) {
            Unit::Count | Unit::Unspecified if daily => per_day(value),
            Unit::Count | Unit::Unspecified => whole(value),
            _ => self.format(key, value, ratio),
        }
    }
}

/// A planned count (a target, a projection) in whole units: nobody holds 33.6 meetings, so the
/// exact value stays in the API and the screen shows 34.
pub fn whole(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    thousands(v.round() as i64)
}

/// A per-day figure: below 10 with one decimal (0.2 deals a day says more than 0 or 1), whole
/// units from 10 up.
pub fn per_day(v: f64) -> String {
    if v.is_finite() && v.abs() < 10.0 {
        format!("{v:.1}")
    } else {
        whole(v)
    }
}

/// A count or target: whole numbers as integers, large ones rounded to integers, small
/// fractions (a pro-rated daily target) with one decimal.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let rounded = v.round();
    if v.abs() >= 100.0 || (v - rounded).abs() < 0.05 {
        thousands(rounded as i64)
    } else {
        let tenths = (v * 10.0).round() as i64;
        format!("{}.{}", thousands(tenths / 10), (tenths % 10).abs())
    }
}

/// A fraction as a percentage: `percent(0.875, 1)` is `87.5%`.
pub fn percent(fraction: f64, decimals: usize) -> String {
    if !fraction.is_finite() {
        return "–".into();
    }
    format!("{:.*}%", decimals, fraction * 100.0)
}

/// A signed change: `+4.1%`, `-12.0%`.
pub fn change(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "–".into();
    }
    format!("{:+.1}%", fraction * 100.0)
}

/// Seconds as hours and minutes: `42m`, `13h 05m`, `1,204h 00m`.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return number(seconds);
    }
    let minutes = (seconds / 60.0).round() as i64;
    match minutes {
        m if m < 60 => format!("{m}m"),
        m => format!("{}h {:02}m", thousands(m / 60), m % 60),
    }
}

pub fn date(d: Option<&Date>) -> String {
    d.map_or_else(|| "?".into(), |d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
}

pub fn range(r: Option<&DateRange>) -> String {
    r.map_or_else(
        || "?".into(),
        |r| format!("{} to {}", date(r.start_date.as_ref()), date(r.end_date.as_ref())),
    )
}

/// A band's word, coloured red, amber (yellow) or green when `color` is on.
pub fn band(band: Band, color: bool) -> String {
    let (word, code) = match band {
        Band::Red => ("red", "31"),
        Band::Amber => ("amber", "33"),
        Band::Green => ("green", "32"),
        Band::Unspecified => return "–".into(),
    };
    if color {
        format!("\x1b[{code}m{word}\x1b[0m")
    } else {
        word.into()
    }
}

/// Width of `s` as shown: characters, not counting ANSI colour sequences.
fn visible_width(s: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => width += 1,
        }
    }
    width
}

#[derive(Clone, Copy, PartialEq)]
pub enum Align {
    Left,
    Right,
}

/// A table whose columns line up across section headings.
pub struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Option<Vec<String>>>,
}

impl Table {
    pub fn new(columns: &[(&'static str, Align)]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn heading(&mut self) {
        self.rows.push(None);
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(Some(cells));
    }

    /// The table, with `headings` (in order) on the rows added by `heading`.
    pub fn render(&self, headings: &[String]) -> String {
        let mut widths: Vec<usize> = self.columns.iter().map(|(name, _)| name.chars().count()).collect();
        for cells in self.rows.iter().flatten() {
            for (w, cell) in widths.iter_mut().zip(cells) {
                *w = (*w).max(visible_width(cell));
            }
        }
        let line = |cells: Vec<&str>| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&self.columns)
                .zip(&widths)
                .map(|((cell, (_, align)), width)| {
                    let pad = " ".repeat(width.saturating_sub(visible_width(cell)));
                    match align {
                        Align::Left => format!("{cell}{pad}"),
                        Align::Right => format!("{pad}{cell}"),
                    }
                })
                .collect();
            format!("  {}", padded.join("  ").trim_end())
        };
        let mut out = vec![line(self.columns.iter().map(|(name, _)| *name).collect())];
        let mut headings = headings.iter();
        for row in &self.rows {
            match row {
                Some(cells) => out.push(line(cells.iter().map(String::as_str).collect())),
                None => out.push(headings.next().cloned().unwrap_or_default()),
            }
        }
        out.join("\n") + "\n"
    }
}

fn section_name(section: Section) -> &'static str {
    match section {
        Section::Activities => "ACTIVITIES",
        Section::Objectives => "OBJECTIVES",
        Section::Efficiency => "EFFICIENCY",
        Section::Results => "RESULTS",
        Section::Unspecified => "OTHER",
    }
}

fn dash() -> String {
    "–".into()
}

fn line_cells(line: &ScorecardLine, catalog: &Catalog, color: bool, daily: bool) -> Vec<String> {
    let ratio = line.numerator != 0 || line.denominator != 0;
    let fmt = |v: f64| catalog.format(&line.metric_key, v, ratio);
    let planned = |v: f64| catalog.format_planned(&line.metric_key, v, ratio, daily);
    let pace = line.pace.as_ref();
    let name = if line.display_name.is_empty() {
        catalog.name(&line.metric_key).to_string()
    } else {
        line.display_name.clone()
    };
    vec![
        name,
        line.actual.map_or_else(dash, fmt),
        line.target.map_or_else(dash, planned),
        line.attainment.map_or_else(dash, |a| percent(a, 0)),
        band(line.band(), color),
        pace.and_then(|p| p.pace).map_or_else(dash, |p| percent(p, 0)),
        pace.map_or_else(dash, |p| planned(p.projection)),
        line.change.map_or_else(dash, change),
    ]
}

/// A scorecard: a header, the lines by section, and the overall score.
pub fn scorecard(sc: &Scorecard, catalog: &Catalog, color: bool) -> String {
    let mut out = String::new();
    let kind = match sc.subject {
        Some(scorecard::Subject::TeamId(_)) => "team",
        _ => "person",
    };
    out += &format!("{} ({kind}) · {} scorecard\n", sc.display_name, sc.template_name);
    let progress = if sc.in_progress { ", in progress" } else { "" };
    out += &format!(
        "Period:    {}{progress} (as of {})\n",
        range(sc.range.as_ref()),
        date(sc.as_of.as_ref())
    );
    if let Some(previous) = &sc.previous_range {
        out += &format!("Previous:  {}\n", range(Some(previous)));
    }
    match sc.ramp_factor {
        Some(ramp) => out += &format!("Ramp:      {}   Days off: {}\n", percent(ramp, 0), sc.days_off),
        None => out += &format!("Members:   {}\n", sc.member_count),
    }
    out += "\n";

    let mut table = Table::new(&[
        ("Metric", Align::Left),
        ("Actual", Align::Right),
        ("Target", Align::Right),
        ("Attain.", Align::Right),
        ("Band", Align::Left),
        ("Pace", Align::Right),
        ("Projection", Align::Right),
        ("vs prev", Align::Right),
    ]);
    // A one-day scorecard's targets are per-day figures.
    let daily = sc.range.as_ref().is_some_and(|r| r.start_date == r.end_date);
    let mut headings = Vec::new();
    let mut current = None;
    for line in &sc.lines {
        if current != Some(line.section()) {
            current = Some(line.section());
            headings.push(section_name(line.section()).to_string());
            table.heading();
        }
        table.row(line_cells(line, catalog, color, daily));
    }
    out += &table.render(&headings);
    out += &format!(
        "\nOverall score: {}\n",
        sc.overall_score
            .map_or_else(|| "– (no line has a target and an actual)".into(), |s| percent(s, 0))
    );
    out
}

fn share(g: &GoalShare) -> String {
    let pct = g.share.map_or_else(dash, |s| percent(s, 0));
    format!("{pct} ({}/{})", g.met, g.counted)
}

/// `MM-DD` of a date, for compact per-day lists.
fn month_day(d: Option<&Date>) -> String {
    d.map_or_else(|| "?".into(), |d| format!("{:02}-{:02}", d.month, d.day))
}

fn start_of(g: &GoalShare) -> Option<(i32, i32, i32)> {
    let d = g.range.as_ref()?.start_date.as_ref()?;
    Some((d.year, d.month, d.day))
}

/// The per-day shares, one line per week of the period (by the weekly spans, or five days a
/// line without them).
fn daily_lines(k: &ManagerKpis) -> Vec<String> {
    let mut lines: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, day) in k.daily_activity_goal.iter().enumerate() {
        let week = if k.weekly_objective_goal.is_empty() {
            i / 5
        } else {
            let start = start_of(day);
            k.weekly_objective_goal
                .iter()
                .rposition(|w| start_of(w) <= start)
                .unwrap_or(0)
        };
        let entry = format!(
            "{} {}",
            month_day(day.range.as_ref().and_then(|r| r.start_date.as_ref())),
            day.share.map_or_else(dash, |s| percent(s, 0))
        );
        match lines.last_mut() {
            Some((w, line)) if *w == week => line.push(entry),
            _ => lines.push((week, vec![entry])),
        }
    }
    lines.into_iter().map(|(_, l)| l.join("  ")).collect()
}

/// A manager's KPIs: goal shares, quota attainment, a table per rep and who is behind pace.
pub fn kpis(k: &ManagerKpis, team_name: &str, catalog: &Catalog) -> String {
    let mut out = String::new();
    out += &format!("{team_name} · manager KPIs\n");
    out += &format!(
        "Period:    {} (as of {})\n",
        range(k.range.as_ref()),
        date(k.as_of.as_ref())
    );
    out += &format!(
        "Reps:      {}   Quota: {}   Pipeline: {}\n\n",
        k.rep_count,
        catalog.name(&k.quota_metric_key),
        catalog.name(&k.pipeline_metric_key)
    );

    out += &format!(
        "Team to daily activity goal: {} on average\n",
        k.daily_activity_goal_average.map_or_else(dash, |a| percent(a, 0))
    );
    for line in daily_lines(k) {
        out += &format!("  {line}\n");
    }
    for (name, shares) in [
        ("weekly", &k.weekly_objective_goal),
        ("monthly", &k.monthly_objective_goal),
    ] {
        out += &format!("Team to {name} objective goal:\n");
        // A span without reps to count (e.g. a weekend clipped by the period) says nothing.
        let shares: Vec<&GoalShare> = shares.iter().filter(|g| g.counted > 0).collect();
        if shares.is_empty() {
            out += "  –\n";
        }
        for g in shares {
            out += &format!("  {}  {}\n", range(g.range.as_ref()), share(g));
        }
    }
    // Without quotas (e.g. SDRs and a revenue quota metric) the quota columns say nothing.
    let quotas = k.reps.iter().any(|r| r.quota.is_some());
    if quotas {
        out += &format!(
            "Reps to quota: {}   Team attainment: {}\n\n",
            k.reps_to_quota.as_ref().map_or_else(dash, share),
            k.team_attainment.map_or_else(dash, |a| percent(a, 0))
        );
    } else {
        out += &format!(
            "Reps to quota: – (no rep has a {} quota; see --quota-metric)\n\n",
            catalog.name(&k.quota_metric_key)
        );
    }
    let keep = |i: usize| quotas || ![1, 2, 3, 5, 6].contains(&i);
    let columns = [
        ("Rep", Align::Left),
        ("Quota", Align::Right),
        ("Actual", Align::Right),
        ("Attain.", Align::Right),
        ("Pipeline", Align::Right),
        ("Remaining", Align::Right),
        ("Coverage", Align::Right),
        ("Goal days", Align::Right),
        ("Behind pace", Align::Left),
    ];
    let columns: Vec<_> = columns
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, c)| c)
        .collect();
    let mut table = Table::new(&columns);
    let fmt = |v: f64, key: &str| catalog.format(key, v, false);
    for rep in &k.reps {
        let behind: Vec<&str> = rep.behind_pace.iter().map(|m| catalog.name(m)).collect();
        let cells = [
            rep.display_name.clone(),
            rep.quota.map_or_else(dash, |q| fmt(q, &k.quota_metric_key)),
            fmt(rep.quota_actual, &k.quota_metric_key),
            rep.quota_attainment.map_or_else(dash, |a| percent(a, 0)),
            if rep.pipeline_known {
                fmt(rep.pipeline, &k.pipeline_metric_key)
            } else {
                "no value".into()
            },
            match rep.quota {
                Some(_) => fmt(rep.remaining_quota, &k.quota_metric_key),
                None => dash(),
            },
            rep.coverage.map_or_else(dash, |c| format!("{c:.1}x")),
            rep.daily_goal_days_met.to_string(),
            if behind.is_empty() { dash() } else { behind.join(", ") },
        ];
        table.row(
            cells
                .into_iter()
                .enumerate()
                .filter(|(i, _)| keep(*i))
                .map(|(_, c)| c)
                .collect(),
        );
    }
    out += &table.render(&[]);

    out += "\nBehind pace:\n";
    if k.behind_pace.is_empty() {
        out += "  nobody (or the period is over)\n";
    }
    let names: HashMap<&str, &str> = k
        .reps
        .iter()
        .map(|r| (r.person_id.as_str(), r.display_name.as_str()))
        .collect();
    for b in &k.behind_pace {
        let people: Vec<&str> = b
            .person_ids
            .iter()
            .map(|id| names.get(id.as_str()).copied().unwrap_or(id))
            .collect();
        let metric = if b.display_name.is_empty() {
            catalog.name(&b.metric_key)
        } else {
            &b.display_name
        };
        out += &format!("  {metric}: {}\n", people.join(", "));
    }
    out
}

#[cfg(test)]
mod tests;
