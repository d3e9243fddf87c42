//! Survey messages to and from the domain and the store.

use attain_domain::survey::{Answer, Question, QuestionType, Value};
use attain_proto::coaching::v1 as pb;
use attain_runtime::convert;
use attain_runtime::enums::to_wire;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::store::surveys::{CampaignRecord, StoredAudience, StoredQuestion};

pub(super) fn stored(q: &Question) -> StoredQuestion {
    StoredQuestion {
        id: q.id.clone(),
        text: q.text.clone(),
        kind: q.kind.as_str().to_string(),
        options: q.options.clone(),
        required: q.required,
    }
}

pub(super) fn question(q: &StoredQuestion) -> Question {
    Question {
        id: q.id.clone(),
        text: q.text.clone(),
        kind: QuestionType::parse(&q.kind).unwrap_or(QuestionType::FreeText),
        options: q.options.clone(),
        required: q.required,
    }
}

pub(super) fn template_to_proto(id: Uuid, name: &str, questions: &[Question], built_in: bool) -> pb::SurveyTemplate {
    pb::SurveyTemplate {
        id: id.to_string(),
        display_name: name.to_string(),
        questions: questions
            .iter()
            .map(|q| pb::Question {
                id: q.id.clone(),
                text: q.text.clone(),
                r#type: to_wire(q.kind),
                options: q.options.clone(),
                required: q.required,
            })
            .collect(),
        built_in,
    }
}

/// An answer as stored in `responses.answers`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct StoredAnswer {
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

pub(super) fn to_stored(a: &Answer) -> StoredAnswer {
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

pub(super) fn from_stored(s: StoredAnswer) -> Option<Answer> {
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

pub(super) fn campaign_to_proto(c: &CampaignRecord, now: DateTime<Utc>) -> pb::Campaign {
    let open = c.open_time <= now && now < c.close_time;
    pb::Campaign {
        id: c.campaign_id.to_string(),
        template_id: c.template_id.to_string(),
        display_name: c.display_name.clone(),
        audience: Some(pb::Audience {
            audience: Some(match &c.audience.0 {
                StoredAudience::Team(t) => pb::audience::Audience::TeamId(t.clone()),
                StoredAudience::Role(r) => pb::audience::Audience::SalesRole(*r),
                StoredAudience::People(p) => pb::audience::Audience::People(pb::PersonList { person_ids: p.clone() }),
            }),
        }),
        subject_rule: if c.subject_rule == "person" {
            pb::SubjectRule::Person
        } else {
            pb::SubjectRule::Manager
        } as i32,
        subject_person_id: c.subject_person_id.map(|p| p.to_string()).unwrap_or_default(),
        open_time: Some(convert::timestamp(c.open_time)),
        close_time: Some(convert::timestamp(c.close_time)),
        reminder_times: c.reminder_times.iter().map(|t| convert::timestamp(*t)).collect(),
        recurrence: if c.recurrence == "quarterly" {
            pb::Recurrence::Quarterly
        } else {
            pb::Recurrence::Unspecified
        } as i32,
        invited_count: c.invited as i32,
        response_count: c.responded as i32,
        reminders_due: if open {
            c.reminder_times.iter().filter(|t| **t <= now).count() as i32
        } else {
            0
        },
        open,
        previous_campaign_id: c.previous_campaign_id.map(|p| p.to_string()).unwrap_or_default(),
    }
}
