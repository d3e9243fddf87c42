//! Focus plans: the 2–3 key results a team manages to and the 8–12 behaviours (leading
//! indicators) that drive them. The behaviour advice is per plan, counting each behaviour once
//! however many results it drives: what a team can watch is the plan's whole list. More is
//! allowed but draws a warning: past that it is "paralysis by analysis".

use crate::Violations;
use crate::metric::check_key;

pub const MAX_KEY_RESULTS: usize = 3;
pub const MAX_BEHAVIOURS: usize = 12;
pub const MIN_BEHAVIOURS: usize = 8;
/// Hard limits, well past the advice, so that a plan stays a plan.
pub const LIMIT_KEY_RESULTS: usize = 10;
pub const LIMIT_BEHAVIOURS: usize = 40;

/// A key result and the behaviours (leading indicators) that drive it, as metric keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyResult {
    pub metric_key: String,
    pub behaviours: Vec<String>,
}

/// Checks a plan's shape: violations for what cannot be saved (no key result, unknown or
/// repeated metrics, hard limits), warnings for what is only unwise. `exists` looks a metric up
/// in the tenant's catalog.
pub fn check_focus_plan(results: &[KeyResult], exists: impl Fn(&str) -> bool) -> (Violations, Vec<String>) {
    let mut v = Violations::new();
    let mut warnings = Vec::new();
    if results.is_empty() || results.len() > LIMIT_KEY_RESULTS {
        v.add("key_results", format!("give 1 to {LIMIT_KEY_RESULTS} key results"));
    }
    if results.len() > MAX_KEY_RESULTS {
        warnings.push(format!(
            "{} key results: pick the {MAX_KEY_RESULTS} that matter most (paralysis by analysis)",
            results.len()
        ));
    }
    let check_metric = |v: &mut Violations, field: String, key: &str| {
        if let Err(e) = check_key(key) {
            v.add(field, e);
        } else if !exists(key) {
            v.add(field, format!("no metric \"{key}\" in the catalog"));
        }
    };
    for (i, r) in results.iter().enumerate() {
        let field = format!("key_results[{i}]");
        check_metric(&mut v, format!("{field}.metric_key"), &r.metric_key);
        if results[..i].iter().any(|x| x.metric_key == r.metric_key) {
            v.add(format!("{field}.metric_key"), "is already a key result of this plan");
        }
        if r.behaviours.is_empty() || r.behaviours.len() > LIMIT_BEHAVIOURS {
            v.add(
                format!("{field}.behaviours"),
                format!("give 1 to {LIMIT_BEHAVIOURS} behaviours"),
            );
        }
        for (j, b) in r.behaviours.iter().enumerate() {
            check_metric(&mut v, format!("{field}.behaviours[{j}]"), b);
            if *b == r.metric_key {
                // A result cannot lead itself: the plan would watch the number it wants to move.
                v.add(format!("{field}.behaviours[{j}]"), "is the key result itself");
            } else if r.behaviours[..j].contains(b) {
                v.add(
                    format!("{field}.behaviours[{j}]"),
                    "is already a behaviour of this key result",
                );
            }
        }
    }
    let n = distinct_behaviours(results);
    if n > MAX_BEHAVIOURS {
        warnings.push(format!(
            "{n} distinct behaviours: more than {MAX_BEHAVIOURS} is paralysis by analysis"
        ));
    } else if (1..MIN_BEHAVIOURS).contains(&n) {
        warnings.push(format!(
            "{n} distinct behaviours: {MIN_BEHAVIOURS} to {MAX_BEHAVIOURS} usually explain a plan's results"
        ));
    }
    (v, warnings)
}

/// The plan's behaviours, each counted once however many key results it drives.
pub fn distinct_behaviours(results: &[KeyResult]) -> usize {
    let mut all: Vec<&str> = results
        .iter()
        .flat_map(|r| r.behaviours.iter().map(String::as_str))
        .collect();
    all.sort_unstable();
    all.dedup();
    all.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(results: usize, behaviours: usize) -> Vec<KeyResult> {
        (0..results)
            .map(|i| KeyResult {
                metric_key: format!("result_{i}"),
                behaviours: (0..behaviours).map(|j| format!("behaviour_{j}")).collect(),
            })
            .collect()
    }

    /// `results` key results, each driven by `per_result` behaviours of its own.
    fn separate(results: usize, per_result: usize) -> Vec<KeyResult> {
        (0..results)
            .map(|i| KeyResult {
                metric_key: format!("result_{i}"),
                behaviours: (0..per_result).map(|j| format!("behaviour_{i}_{j}")).collect(),
            })
            .collect()
    }

    #[test]
    fn a_focused_plan_has_no_warning() {
        // Three results sharing the same ten behaviours: ten distinct.
        let (v, w) = check_focus_plan(&plan(3, 10), |_| true);
        assert!(v.is_empty() && w.is_empty(), "{v:?} {w:?}");
        // Two results with four and five of their own: nine distinct.
        let mut p = separate(2, 5);
        p[0].behaviours.pop();
        let (v, w) = check_focus_plan(&p, |_| true);
        assert!(v.is_empty() && w.is_empty(), "{v:?} {w:?}");
    }

    #[test]
    fn behaviours_are_counted_once_per_plan() {
        // Two results with ten behaviours each, none shared: twenty in all, past the advice,
        // though each result alone is within it.
        let (v, w) = check_focus_plan(&separate(2, 10), |_| true);
        assert!(v.is_empty());
        assert_eq!(w, ["20 distinct behaviours: more than 12 is paralysis by analysis"]);
        // The same ten behaviours behind both: ten, fine.
        assert!(check_focus_plan(&plan(2, 10), |_| true).1.is_empty());
        // Two results with three behaviours each: six, too few to explain them.
        assert_eq!(
            check_focus_plan(&separate(2, 3), |_| true).1,
            ["6 distinct behaviours: 8 to 12 usually explain a plan's results"]
        );
    }

    #[test]
    fn too_much_focus_warns_but_passes() {
        let (v, w) = check_focus_plan(&plan(4, 13), |_| true);
        assert!(v.is_empty());
        assert_eq!(
            w,
            [
                "4 key results: pick the 3 that matter most (paralysis by analysis)",
                "13 distinct behaviours: more than 12 is paralysis by analysis",
            ]
        );
    }

    #[test]
    fn a_result_is_not_its_own_behaviour() {
        let mut p = plan(2, 8);
        p[1].behaviours[2] = "result_1".into();
        let (v, _) = check_focus_plan(&p, |_| true);
        let got: Vec<(&str, &str)> = v.iter().map(|x| (x.field.as_str(), x.description.as_str())).collect();
        assert_eq!(got, [("key_results[1].behaviours[2]", "is the key result itself")]);
        // Another result of the plan may be a behaviour (meetings held drive revenue won).
        p[1].behaviours[2] = "result_0".into();
        assert!(check_focus_plan(&p, |_| true).0.is_empty());
    }

    #[test]
    fn unknown_and_repeated_metrics_are_violations() {
        let mut p = plan(2, 8);
        p[1].metric_key = "result_0".into();
        p[0].behaviours[3] = "behaviour_0".into();
        let (v, _) = check_focus_plan(&p, |k| k != "behaviour_5");
        let fields: Vec<&str> = v.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "key_results[0].behaviours[3]",
                "key_results[0].behaviours[5]",
                "key_results[1].metric_key",
                "key_results[1].behaviours[5]",
            ]
        );
        let (v, _) = check_focus_plan(&[], |_| true);
        assert_eq!(v.iter().map(|x| x.field.as_str()).collect::<Vec<_>>(), ["key_results"]);
    }
}
