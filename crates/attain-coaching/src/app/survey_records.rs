//! Survey questions and answers as the store keeps them.

use attain_domain::survey::{Answer, Question, QuestionType, Value};
use serde::{Deserialize, Serialize};

use crate::store::surveys::StoredQuestion;

pub fn stored(q: &Question) -> StoredQuestion {
    StoredQuestion {
        id: q.id.clone(),
        text: q.text.clone(),
        kind: q.kind.as_str().to_string(),
        options: q.options.clone(),
        required: q.required,
    }
}

pub fn question(q: &StoredQuestion) -> Question {
    Question {
        id: q.id.clone(),
        text: q.text.clone(),
        kind: QuestionType::parse(&q.kind).unwrap_or(QuestionType::FreeText),
        options: q.options.clone(),
        required: q.required,
    }
}

/// An answer as stored in `responses.answers`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredAnswer {
    q: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    r: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    c: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cs: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    t: Option<String>,
}

pub fn to_stored(a: &Answer) -> StoredAnswer {
    let mut s = StoredAnswer {
        q: a.question_id.clone(),
        r: None,
        c: None,
        cs: None,
        t: None,
    };
    match &a.value {
        Value::Rating(r) => s.r = Some(*r),
        Value::Choice(c) => s.c = Some(c.clone()),
        Value::Choices(cs) => s.cs = Some(cs.clone()),
        Value::Text(t) => s.t = Some(t.clone()),
    }
    s
}

pub fn from_stored(s: StoredAnswer) -> Option<Answer> {
    let value = match (s.r, s.c, s.cs, s.t) {
        (Some(r), ..) => Value::Rating(r),
        (_, Some(c), ..) => Value::Choice(c),
        (_, _, Some(cs), _) => Value::Choices(cs),
        (_, _, _, Some(t)) => Value::Text(t),
        _ => return None,
    };
    Some(Answer {
        question_id: s.q,
        value,
    })
}
