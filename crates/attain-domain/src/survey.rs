//! Surveys: question and answer rules, aggregation (means, distributions, NPS, a 0–1 score)
//! and the k-anonymity rule that withholds results until enough people answered. Pure: no I/O.

use crate::Violations;
use crate::metric::check_key;

text_enum! {
    /// The kind of answer a question takes.
    QuestionType {
        Likert5 = "likert_5",
        Scale0To10 = "scale_0_10",
        SingleChoice = "single_choice",
        MultipleChoice = "multiple_choice",
        FreeText = "free_text",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub kind: QuestionType,
    pub options: Vec<String>,
    pub required: bool,
}

/// An answer's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Rating(i32),
    Choice(String),
    Choices(Vec<String>),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub question_id: String,
    pub value: Value,
}

pub const MAX_QUESTIONS: usize = 50;
pub const MAX_TEXT: usize = 5000;
/// The fewest responses a tenant may show results from: with one, an answer is its author's.
pub const MIN_K: u32 = 2;
pub const DEFAULT_K: u32 = 3;
pub const MAX_K: u32 = 100;

/// Checks a template's questions.
pub fn check_questions(questions: &[Question]) -> Violations {
    let mut v = Violations::new();
    if questions.is_empty() || questions.len() > MAX_QUESTIONS {
        v.add("questions", format!("give 1 to {MAX_QUESTIONS} questions"));
    }
    for (i, q) in questions.iter().enumerate() {
        let field = format!("questions[{i}]");
        v.check(&format!("{field}.id"), check_key(&q.id));
        if questions[..i].iter().any(|p| p.id == q.id) {
            v.add(format!("{field}.id"), "is already the id of another question");
        }
        let len = q.text.trim().chars().count();
        if len == 0 || len > 500 {
            v.add(format!("{field}.text"), "must be 1 to 500 characters");
        }
        let choice = matches!(q.kind, QuestionType::SingleChoice | QuestionType::MultipleChoice);
        if choice && !(2..=20).contains(&q.options.len()) {
            v.add(format!("{field}.options"), "a choice question needs 2 to 20 options");
        }
        if !choice && !q.options.is_empty() {
            v.add(format!("{field}.options"), "only choice questions have options");
        }
        for (j, o) in q.options.iter().enumerate() {
            let len = o.trim().chars().count();
            if len == 0 || len > 200 {
                v.add(format!("{field}.options[{j}]"), "must be 1 to 200 characters");
            } else if q.options[..j].contains(o) {
                v.add(format!("{field}.options[{j}]"), "is already an option");
            }
        }
    }
    v
}

/// Checks a response against the template: every answer to a question of the template, once,
/// of the right kind and range; every required question answered.
pub fn check_answers(questions: &[Question], answers: &[Answer]) -> Violations {
    let mut v = Violations::new();
    for (i, a) in answers.iter().enumerate() {
        let field = format!("answers[{i}]");
        let Some(q) = questions.iter().find(|q| q.id == a.question_id) else {
            v.add(format!("{field}.question_id"), "is not a question of this survey");
            continue;
        };
        if answers[..i].iter().any(|b| b.question_id == a.question_id) {
            v.add(format!("{field}.question_id"), "is answered twice");
        }
        match (q.kind, &a.value) {
            (QuestionType::Likert5, Value::Rating(r)) if !(1..=5).contains(r) => {
                v.add(format!("{field}.rating"), "must be from 1 to 5")
            }
            (QuestionType::Scale0To10, Value::Rating(r)) if !(0..=10).contains(r) => {
                v.add(format!("{field}.rating"), "must be from 0 to 10")
            }
            (QuestionType::Likert5 | QuestionType::Scale0To10, Value::Rating(_)) => {}
            (QuestionType::SingleChoice, Value::Choice(c)) => {
                if !q.options.contains(c) {
                    v.add(format!("{field}.choice"), "is not one of the question's options");
                }
            }
            (QuestionType::MultipleChoice, Value::Choices(cs)) => {
                for (j, c) in cs.iter().enumerate() {
                    if !q.options.contains(c) || cs[..j].contains(c) {
                        v.add(format!("{field}.choices[{j}]"), "must be one of the options, once");
                    }
                }
            }
            (QuestionType::FreeText, Value::Text(t)) => {
                if t.chars().count() > MAX_TEXT {
                    v.add(format!("{field}.text"), format!("at most {MAX_TEXT} characters"));
                }
            }
            (kind, _) => v.add(
                format!("{field}.value"),
                format!("a {kind} question takes another kind of answer"),
            ),
        }
    }
    for q in questions.iter().filter(|q| q.required) {
        if !answers.iter().any(|a| a.question_id == q.id) {
            v.add("answers", format!("question \"{}\" is required", q.id));
        }
    }
    v
}

/// Checks a tenant's minimum number of responses.
pub fn check_k(v: &mut Violations, field: &str, k: i32) {
    if !(MIN_K as i32..=MAX_K as i32).contains(&k) {
        v.add(
            field,
            format!("must be from {MIN_K} to {MAX_K}: with fewer, an answer could be traced to its author"),
        );
    }
}

/// Why a campaign's results (for a subject or all of it) are withheld, or `None` when they may
/// be shown: only once the campaign has `closed` (no answer can be added or changed after) and
/// from `k` responses (never below 2). Results that were shown while answers still came in
/// could be compared from one answer to the next, and the difference is one person's answer,
/// whatever k is; after the close there is only one set of results to read.
pub fn withheld(responses: u32, k: u32, closed: bool) -> Option<String> {
    let k = k.max(MIN_K);
    if !closed {
        return Some(format!(
            "{responses} responses so far; results are shown from {k}, once the campaign has closed, so that no \
             answer can be singled out by comparing results as answers come in"
        ));
    }
    (responses < k).then(|| {
        format!("{responses} responses; results are shown from {k}, so that no answer can be traced to its author")
    })
}

/// Aggregates of one question over responses.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionStats {
    pub answers: u32,
    pub mean: Option<f64>,
    pub distribution: Vec<u32>,
    pub nps: Option<f64>,
    pub texts: Vec<String>,
}

/// Aggregates the answers to `q`; free-text answers keep the order given (shuffle before).
pub fn stats(q: &Question, answers: &[&Value]) -> QuestionStats {
    let ratings: Vec<i32> = answers
        .iter()
        .filter_map(|a| match a {
            Value::Rating(r) => Some(*r),
            _ => None,
        })
        .collect();
    let mean = (!ratings.is_empty()).then(|| ratings.iter().map(|r| f64::from(*r)).sum::<f64>() / ratings.len() as f64);
    let distribution = match q.kind {
        QuestionType::Likert5 => (0..=5)
            .map(|r| ratings.iter().filter(|x| **x == r).count() as u32)
            .collect(),
        QuestionType::Scale0To10 => (0..=10)
            .map(|r| ratings.iter().filter(|x| **x == r).count() as u32)
            .collect(),
        QuestionType::SingleChoice | QuestionType::MultipleChoice => q
            .options
            .iter()
            .map(|o| {
                answers
                    .iter()
                    .filter(|a| match a {
                        Value::Choice(c) => c == o,
                        Value::Choices(cs) => cs.contains(o),
                        _ => false,
                    })
                    .count() as u32
            })
            .collect(),
        QuestionType::FreeText => Vec::new(),
    };
    let nps = (q.kind == QuestionType::Scale0To10 && !ratings.is_empty()).then(|| nps(&ratings));
    QuestionStats {
        answers: answers.len() as u32,
        mean,
        distribution,
        nps,
        texts: answers
            .iter()
            .filter_map(|a| match a {
                Value::Text(t) if !t.trim().is_empty() => Some(t.clone()),
                _ => None,
            })
            .collect(),
    }
}

/// Net promoter score of 0–10 ratings: percent of 9–10 minus percent of 0–6.
pub fn nps(ratings: &[i32]) -> f64 {
    let n = ratings.len() as f64;
    let promoters = ratings.iter().filter(|r| **r >= 9).count() as f64;
    let detractors = ratings.iter().filter(|r| **r <= 6).count() as f64;
    (promoters - detractors) / n * 100.0
}

/// One score from 0 to 1 over every rating answer: a Likert 1–5 maps to (r − 1) ÷ 4 and a
/// 0–10 to r ÷ 10, so both kinds count alike. `None` without ratings.
pub fn score(questions: &[Question], responses: &[Vec<Answer>]) -> Option<f64> {
    let scaled: Vec<f64> = responses
        .iter()
        .flatten()
        .filter_map(|a| {
            let q = questions.iter().find(|q| q.id == a.question_id)?;
            match (q.kind, &a.value) {
                (QuestionType::Likert5, Value::Rating(r)) => Some(f64::from(r - 1) / 4.0),
                (QuestionType::Scale0To10, Value::Rating(r)) => Some(f64::from(*r) / 10.0),
                _ => None,
            }
        })
        .collect();
    (!scaled.is_empty()).then(|| scaled.iter().sum::<f64>() / scaled.len() as f64)
}

/// The built-in "Quarterly coaching quality" survey.
pub fn coaching_quality_template() -> (&'static str, Vec<Question>) {
    let likert = |id: &str, text: &str| Question {
        id: id.into(),
        text: text.into(),
        kind: QuestionType::Likert5,
        options: Vec::new(),
        required: true,
    };
    (
        "Quarterly coaching quality",
        vec![
            likert("regular", "My manager coaches me regularly, as planned."),
            likert(
                "specific",
                "The feedback I get is specific and about my real calls and deals.",
            ),
            likert("improve", "Coaching helps me improve the numbers I am measured on."),
            likert("listens", "My manager listens and helps me find my own solutions."),
            Question {
                id: "recommend".into(),
                text: "How likely are you to recommend your manager as a coach to a colleague?".into(),
                kind: QuestionType::Scale0To10,
                options: Vec::new(),
                required: true,
            },
            Question {
                id: "more_of".into(),
                text: "What should your manager do more of in coaching?".into(),
                kind: QuestionType::FreeText,
                options: Vec::new(),
                required: false,
            },
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(id: &str, r: i32) -> Answer {
        Answer {
            question_id: id.into(),
            value: Value::Rating(r),
        }
    }

    #[test]
    fn the_built_in_template_is_valid() {
        assert!(check_questions(&coaching_quality_template().1).is_empty());
    }

    #[test]
    fn nps_and_means_on_fixed_answers() {
        // 2 promoters, 1 passive, 2 detractors of 5: (2 − 2) / 5.
        assert_eq!(nps(&[10, 9, 8, 6, 0]), 0.0);
        assert_eq!(nps(&[10, 10, 10, 7]), 75.0);
        let (_, qs) = coaching_quality_template();
        let values = [Value::Rating(4), Value::Rating(5), Value::Rating(3)];
        let refs: Vec<&Value> = values.iter().collect();
        let s = stats(&qs[0], &refs);
        assert_eq!(s.mean, Some(4.0));
        assert_eq!(s.distribution, [0, 0, 0, 1, 1, 1]);
        let responses = vec![
            vec![rating("regular", 5), rating("recommend", 10)],
            vec![rating("regular", 1), rating("recommend", 0)],
        ];
        assert_eq!(score(&qs, &responses), Some(0.5));
    }

    #[test]
    fn bad_answers_name_their_fields() {
        let (_, qs) = coaching_quality_template();
        let answers = vec![
            rating("regular", 6),
            rating("nope", 3),
            Answer {
                question_id: "more_of".into(),
                value: Value::Rating(3),
            },
            rating("recommend", 11),
        ];
        let v = check_answers(&qs, &answers);
        let fields: Vec<String> = v.iter().map(|x| format!("{}: {}", x.field, x.description)).collect();
        assert_eq!(fields.len(), 7, "{fields:?}");
        assert!(fields[0].starts_with("answers[0].rating"));
        assert!(fields[1].starts_with("answers[1].question_id"));
        assert!(fields[2].starts_with("answers[2].value"));
        assert!(fields[3].starts_with("answers[3].rating"));
        // Three required questions unanswered.
        assert!(fields[4..].iter().all(|f| f.starts_with("answers: question")));
    }

    #[test]
    fn results_are_withheld_below_k_and_k_is_never_below_two() {
        assert!(withheld(2, 3, true).is_some());
        assert_eq!(withheld(3, 3, true), None);
        assert!(withheld(1, 1, true).is_some(), "k below 2 counts as 2");
        // While answers may still come in, nothing is shown, however many there are.
        assert!(withheld(1_000, 3, false).is_some());
        let mut v = Violations::new();
        check_k(&mut v, "min_responses", 1);
        assert_eq!(v.iter().count(), 1);
    }
}
