//! Focus plans: the 2–3 key results a team manages to and the 8–12 behaviours that drive each.
//! More is allowed but draws a warning: past that it is "paralysis by analysis".

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
            if r.behaviours[..j].contains(b) {
                v.add(
                    format!("{field}.behaviours[{j}]"),
                    "is already a behaviour of this key result",
                );
            }
        }
        let n = r.behaviours.len();
        if n > MAX_BEHAVIOURS {
            warnings.push(format!(
                "{}: {n} behaviours; more than {MAX_BEHAVIOURS} is paralysis by analysis",
                r.metric_key
            ));
        } else if (1..MIN_BEHAVIOURS).contains(&n) {
            warnings.push(format!(
                "{}: {n} behaviours; {MIN_BEHAVIOURS} to {MAX_BEHAVIOURS} usually explain a result",
                r.metric_key
            ));
        }
    }
    (v, warnings)
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

    #[test]
    fn a_focused_plan_has_no_warning() {
        let (v, w) = check_focus_plan(&plan(3, 10), |_| true);
        assert!(v.is_empty() && w.is_empty(), "{v:?} {w:?}");
    }

    #[test]
    fn too_much_focus_warns_but_passes() {
        let (v, w) = check_focus_plan(&plan(4, 13), |_| true);
        assert!(v.is_empty());
        assert_eq!(w.len(), 5, "{w:?}");
        assert!(w.iter().all(|w| w.contains("paralysis by analysis")));
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
