//! Interview process templates: ordered stages, some required, each with the competencies its
//! interviewers rate; and whether a candidate's stage history followed the process.

use std::collections::HashSet;

use crate::Violations;

pub const MAX_STAGES: usize = 20;
pub const MAX_COMPETENCIES: usize = 20;

/// One stage of a process template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub key: String,
    pub display_name: String,
    pub required: bool,
    pub competencies: Vec<String>,
}

/// A key as the API accepts it: 1 to 64 of `a-z`, `0-9`, `_`.
pub fn valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks the stages of a template, naming fields under `field` (e.g. `template.stages`).
pub fn check_stages(v: &mut Violations, field: &str, stages: &[Stage]) {
    if stages.is_empty() || stages.len() > MAX_STAGES {
        v.add(field, format!("give 1 to {MAX_STAGES} stages"));
    }
    if !stages.iter().any(|s| s.required) && !stages.is_empty() {
        v.add(field, "at least one stage must be required");
    }
    let mut keys = HashSet::new();
    for (i, s) in stages.iter().enumerate() {
        if !valid_key(&s.key) {
            v.add(format!("{field}[{i}].key"), "must be 1 to 64 of a-z, 0-9 and _");
        } else if !keys.insert(s.key.as_str()) {
            v.add(format!("{field}[{i}].key"), "appears twice in the template");
        }
        if s.display_name.trim().is_empty() || s.display_name.chars().count() > 200 {
            v.add(format!("{field}[{i}].display_name"), "must be 1 to 200 characters");
        }
        if s.competencies.len() > MAX_COMPETENCIES {
            v.add(
                format!("{field}[{i}].competencies"),
                format!("at most {MAX_COMPETENCIES}"),
            );
        }
        let mut seen = HashSet::new();
        for (j, c) in s.competencies.iter().enumerate() {
            if !valid_key(c) {
                v.add(
                    format!("{field}[{i}].competencies[{j}]"),
                    "must be 1 to 64 of a-z, 0-9 and _",
                );
            } else if !seen.insert(c.as_str()) {
                v.add(format!("{field}[{i}].competencies[{j}]"), "appears twice in the stage");
            }
        }
    }
}

/// Whether a stage history followed the process: every required stage appears, and the first
/// entries into the required stages come in the template's order. Optional stages and repeats
/// (a candidate sent back a stage) do not break adherence; skipping or reordering a required
/// stage does.
pub fn adherent(stages: &[Stage], history: &[&str]) -> bool {
    let required: Vec<&str> = stages.iter().filter(|s| s.required).map(|s| s.key.as_str()).collect();
    let mut firsts: Vec<&str> = Vec::new();
    for stage in history {
        if required.contains(stage) && !firsts.contains(stage) {
            firsts.push(stage);
        }
    }
    firsts == required
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn stage(key: &str, required: bool) -> Stage {
        Stage {
            key: key.into(),
            display_name: key.into(),
            required,
            competencies: vec![],
        }
    }

    fn process() -> Vec<Stage> {
        vec![
            stage("screen", true),
            stage("manager", true),
            stage("mock_call", true),
            stage("panel", false),
            stage("offer", true),
        ]
    }

    #[test]
    fn skipping_a_required_stage_is_not_adherent() {
        assert!(adherent(&process(), &["screen", "manager", "mock_call", "offer"]));
        assert!(adherent(
            &process(),
            &["screen", "manager", "mock_call", "panel", "offer"]
        ));
        assert!(!adherent(&process(), &["screen", "manager", "offer"]));
    }

    #[test]
    fn out_of_order_is_not_adherent_but_going_back_is() {
        assert!(!adherent(&process(), &["manager", "screen", "mock_call", "offer"]));
        assert!(adherent(
            &process(),
            &["screen", "manager", "screen", "manager", "mock_call", "offer"]
        ));
    }

    #[test]
    fn bad_stages_are_named() {
        let mut v = Violations::new();
        let mut s = process();
        s[1].key = "screen".into();
        s[2].key = "Mock Call".into();
        check_stages(&mut v, "template.stages", &s);
        let fields: Vec<_> = v.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["template.stages[1].key", "template.stages[2].key"]);
    }

    proptest! {
        #[test]
        fn the_process_in_order_with_extra_optional_stages_is_adherent(extra in prop::collection::vec(0usize..5, 0..10)) {
            let p = process();
            let mut history: Vec<&str> = p.iter().filter(|s| s.required).map(|s| s.key.as_str()).collect();
            for (i, e) in extra.iter().enumerate() {
                // Inserting any stage after its own first entry never changes the first entries.
                let key = p[*e].key.as_str();
                if let Some(first) = history.iter().position(|h| *h == key) {
                    history.insert((first + 1 + i).min(history.len()), key);
                } else {
                    history.push(key);
                }
            }
            prop_assert!(adherent(&p, &history));
        }

        #[test]
        fn dropping_any_required_stage_breaks_adherence(drop in 0usize..4) {
            let p = process();
            let mut history: Vec<&str> = p.iter().filter(|s| s.required).map(|s| s.key.as_str()).collect();
            history.remove(drop);
            prop_assert!(!adherent(&p, &history));
        }
    }
}
