//! Scorecard templates: what a role is measured on, line by line, and the built-in SDR and AE
//! templates every tenant starts with.

use crate::Violations;
use crate::metric::{Aggregation, MetricKind, check_key};
use crate::org::{check_name, check_optional_text_multiline};

use super::{TargetSpec, Thresholds, check_target_spec, check_thresholds};

text_enum! {
    /// The section a line is shown in, in AOR order.
    Section {
        Activities = "activities",
        Objectives = "objectives",
        Efficiency = "efficiency",
        Results = "results",
    }
}

impl Section {
    /// Activities and objectives: the behaviours a manager coaches, as opposed to results.
    pub fn is_leading(self) -> bool {
        matches!(self, Section::Activities | Section::Objectives)
    }
}

/// A line's target: amounts that add up over days (`spec`), or a level to reach in any period
/// for ratio and MAX metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LineTarget {
    pub spec: TargetSpec,
    pub level: Option<f64>,
}

/// How a metric's values combine over days, which decides the kind of target it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// COUNT and SUM metrics: a period's value is the sum of its days'.
    Additive,
    /// Ratio and MAX metrics: a period's value is not a sum; targets are levels.
    Level,
}

impl Shape {
    pub fn of(kind: &MetricKind) -> Shape {
        match kind {
            MetricKind::Events(Aggregation::Count | Aggregation::Sum) => Shape::Additive,
            // A state is as of a day: not pro-rated over the period's days.
            MetricKind::Events(Aggregation::Max | Aggregation::Latest) | MetricKind::Ratio { .. } => Shape::Level,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TemplateLine {
    pub metric_key: String,
    pub section: Section,
    pub target: LineTarget,
    pub weight: f64,
    pub thresholds: Thresholds,
}

pub const DEFAULT_THRESHOLDS: Thresholds = Thresholds {
    red_below: 0.7,
    green_from: 1.0,
};
pub const MAX_LINES: usize = 40;
pub const MAX_WEIGHT: f64 = 100.0;
/// Beyond these a focus plan becomes "paralysis by analysis" (DESIGN.md §1).
pub const FOCUS_RESULTS: usize = 3;
pub const FOCUS_BEHAVIOURS: usize = 12;

/// Checks a line's target against the metric's shape.
pub fn check_line_target(target: &LineTarget, shape: Shape) -> Violations {
    let mut v = Violations::new();
    match shape {
        Shape::Additive => {
            if target.level.is_some() {
                v.add(
                    "level",
                    "is only for ratio and MAX metrics; give daily, weekly, monthly or quarterly",
                );
            }
            v.extend(check_target_spec(&target.spec));
        }
        Shape::Level => {
            let s = target.spec;
            let per_period = [s.daily, s.weekly, s.monthly, s.quarterly].iter().any(Option::is_some);
            match target.level {
                None if per_period => v.add("level", "ratio and MAX metrics take a level, not a per-period amount"),
                None => v.add("level", "is required for ratio and MAX metrics"),
                Some(x) if !x.is_finite() || x < 0.0 => v.add("level", "must be a finite number, 0 or more"),
                Some(_) if per_period => v.add(
                    "level",
                    "ratio and MAX metrics take only a level; leave daily, weekly, monthly and quarterly unset",
                ),
                Some(_) => {}
            }
        }
    }
    v
}

/// Checks a template's fields and lines. `shape_of` looks a metric up in the tenant's catalog
/// (`None`: no such metric). Returns the violations and the warnings that do not stop a save.
pub fn check_template(
    key: &str,
    display_name: &str,
    description: &str,
    lines: &[TemplateLine],
    shape_of: impl Fn(&str) -> Option<Shape>,
) -> (Violations, Vec<String>) {
    let mut v = Violations::new();
    v.check("key", check_key(key));
    check_name(&mut v, "display_name", display_name);
    check_optional_text_multiline(&mut v, "description", description, 2000);
    if lines.is_empty() || lines.len() > MAX_LINES {
        v.add("lines", format!("must have 1 to {MAX_LINES} lines"));
    }
    for (i, line) in lines.iter().enumerate() {
        let field = format!("lines[{i}]");
        if lines[..i].iter().any(|l| l.metric_key == line.metric_key) {
            v.add(format!("{field}.metric_key"), "is already a line of this template");
        }
        match shape_of(&line.metric_key) {
            None => v.add(
                format!("{field}.metric_key"),
                format!("no metric \"{}\" in the catalog", line.metric_key.escape_debug()),
            ),
            Some(shape) => v.extend_prefixed(&format!("{field}.target"), check_line_target(&line.target, shape)),
        }
        if !line.weight.is_finite() || !(0.0..=MAX_WEIGHT).contains(&line.weight) {
            v.add(format!("{field}.weight"), format!("must be from 0 to {MAX_WEIGHT}"));
        }
        // The order check names the thresholds as a whole: report it on the line's field.
        for t in check_thresholds(&line.thresholds).iter() {
            match t.field.as_str() {
                "thresholds" => v.add(format!("{field}.thresholds"), t.description.clone()),
                f => v.add(format!("{field}.thresholds.{f}"), t.description.clone()),
            }
        }
    }
    (v, warnings(lines))
}

/// Warnings about a template's focus that do not stop it from being saved.
pub fn warnings(lines: &[TemplateLine]) -> Vec<String> {
    let results = lines.iter().filter(|l| l.section == Section::Results).count();
    let behaviours = lines.iter().filter(|l| l.section.is_leading()).count();
    let mut out = Vec::new();
    if results > FOCUS_RESULTS {
        out.push(format!(
            "{results} result lines: pick the {FOCUS_RESULTS} key results that matter most"
        ));
    }
    if behaviours > FOCUS_BEHAVIOURS {
        out.push(format!(
            "{behaviours} activity and objective lines: more than {FOCUS_BEHAVIOURS} behaviours is paralysis by analysis"
        ));
    }
    out
}

/// A built-in template, copied into every new tenant and editable there.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltInTemplate {
    pub key: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    pub lines: Vec<TemplateLine>,
}

fn line(metric_key: &str, section: Section, target: LineTarget, weight: f64) -> TemplateLine {
    TemplateLine {
        metric_key: metric_key.into(),
        section,
        target,
        weight,
        thresholds: DEFAULT_THRESHOLDS,
    }
}

fn daily(x: f64) -> LineTarget {
    LineTarget {
        spec: TargetSpec {
            daily: Some(x),
            ..TargetSpec::default()
        },
        level: None,
    }
}

fn weekly(x: f64) -> LineTarget {
    LineTarget {
        spec: TargetSpec {
            weekly: Some(x),
            ..TargetSpec::default()
        },
        level: None,
    }
}

fn monthly(x: f64) -> LineTarget {
    LineTarget {
        spec: TargetSpec {
            monthly: Some(x),
            ..TargetSpec::default()
        },
        level: None,
    }
}

fn quarterly(x: f64) -> LineTarget {
    LineTarget {
        spec: TargetSpec {
            quarterly: Some(x),
            ..TargetSpec::default()
        },
        level: None,
    }
}

fn level(x: f64) -> LineTarget {
    LineTarget {
        spec: TargetSpec::default(),
        level: Some(x),
    }
}

/// The built-in templates over the built-in metric catalog: "sdr" and "ae". Money is in minor
/// units. Their targets are common starting points, meant to be edited.
pub fn built_in_templates() -> Vec<BuiltInTemplate> {
    use Section::*;
    vec![
        BuiltInTemplate {
            key: "sdr",
            display_name: "SDR",
            description: "Sales development: prospecting activity, conversations and meetings set.",
            lines: vec![
                line("calls", Activities, daily(60.0), 1.0),
                line("emails", Activities, daily(40.0), 1.0),
                line("social_connects", Activities, daily(10.0), 0.5),
                line("conversations", Objectives, daily(8.0), 1.0),
                line("meetings_set", Objectives, weekly(10.0), 2.0),
                line("meetings_held", Objectives, weekly(8.0), 2.0),
                line("call_to_conversation", Efficiency, level(0.12), 1.0),
                line("conversation_to_meeting_set", Efficiency, level(0.25), 1.0),
                line("set_to_held", Efficiency, level(0.8), 1.0),
                line("meetings_qualified", Results, monthly(24.0), 3.0),
                line("pipeline_amount", Results, monthly(20_000_000.0), 2.0),
            ],
        },
        BuiltInTemplate {
            key: "ae",
            display_name: "Account executive",
            description: "Inside and field sales: meetings, opportunities, pipeline and revenue.",
            lines: vec![
                line("calls", Activities, daily(30.0), 1.0),
                line("emails", Activities, daily(25.0), 0.5),
                line("meetings_held", Objectives, weekly(8.0), 1.0),
                line("opportunities_created", Objectives, weekly(3.0), 2.0),
                line("opportunities_advanced", Objectives, weekly(5.0), 1.0),
                line("win_rate", Efficiency, level(0.25), 1.0),
                line("average_deal_size", Efficiency, level(2_500_000.0), 1.0),
                line("meeting_to_next_stage", Efficiency, level(0.4), 1.0),
                line("pipeline_amount", Results, monthly(30_000_000.0), 2.0),
                line("deals_won", Results, monthly(4.0), 2.0),
                line("revenue_won", Results, quarterly(30_000_000.0), 3.0),
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::built_in_catalog;

    fn catalog_shape(key: &str) -> Option<Shape> {
        built_in_catalog()
            .into_iter()
            .find(|m| m.key == key)
            .map(|m| Shape::of(&m.kind))
    }

    #[test]
    fn built_in_templates_are_valid_against_the_built_in_catalog() {
        for t in built_in_templates() {
            let (v, warnings) = check_template(t.key, t.display_name, t.description, &t.lines, catalog_shape);
            assert!(v.is_empty(), "{}: {v:?}", t.key);
            assert!(warnings.is_empty(), "{}: {warnings:?}", t.key);
        }
    }

    #[test]
    fn bad_lines_name_each_field() {
        let mut lines = built_in_templates().remove(0).lines;
        lines[0].metric_key = "dials_per_fortnight".into();
        lines[1].target.spec.daily = Some(-5.0);
        lines[2].thresholds = Thresholds {
            red_below: 1.0,
            green_from: 0.7,
        };
        lines[3].weight = 101.0;
        lines[6].target = daily(3.0);
        lines[7].metric_key = "emails".into();
        let (v, _) = check_template("sdr", "SDR", "", &lines, catalog_shape);
        let fields: Vec<&str> = v.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "lines[0].metric_key",
                "lines[1].target.daily",
                "lines[2].thresholds",
                "lines[3].weight",
                "lines[6].target.level",
                "lines[7].metric_key",
                "lines[7].target.level",
                "lines[7].target.target",
            ]
        );
    }

    #[test]
    fn too_many_lines_warn_but_pass() {
        let catalog = built_in_catalog();
        let lines: Vec<TemplateLine> = catalog
            .iter()
            .filter(|m| Shape::of(&m.kind) == Shape::Additive)
            .take(14)
            .map(|m| line(&m.key, Section::Activities, daily(1.0), 1.0))
            .collect();
        let (v, warnings) = check_template("busy", "Busy", "", &lines, catalog_shape);
        assert!(v.is_empty(), "{v:?}");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("paralysis by analysis"));
    }

    #[test]
    fn level_metrics_need_a_level() {
        let v = check_line_target(&LineTarget::default(), Shape::Level);
        assert_eq!(v.iter().map(|x| x.field.as_str()).collect::<Vec<_>>(), ["level"]);
        let v = check_line_target(&level(0.2), Shape::Additive);
        assert_eq!(
            v.iter().map(|x| x.field.as_str()).collect::<Vec<_>>(),
            ["level", "target"]
        );
    }
}
