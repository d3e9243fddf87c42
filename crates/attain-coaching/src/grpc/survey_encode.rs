//! The survey service's templates and campaigns as protobuf messages.

use attain_domain::survey::Question;
use attain_proto::coaching::v1 as pb;
use attain_runtime::{convert, enums::to_wire};
use chrono::{DateTime, Utc};

use crate::{
    app::{
        survey_api::{is_open, reminders_due},
        surveys::SurveyTemplate,
    },
    store::surveys::{CampaignRecord, StoredAudience},
};

pub fn questions(questions: &[Question]) -> Vec<pb::Question> {
    questions
        .iter()
        .map(|q| pb::Question {
            id: q.id.clone(),
            text: q.text.clone(),
            r#type: to_wire(q.kind),
            options: q.options.clone(),
            required: q.required,
        })
        .collect()
}

pub fn template(t: &SurveyTemplate) -> pb::SurveyTemplate {
    pb::SurveyTemplate {
        id: t.id.to_string(),
        display_name: t.display_name.clone(),
        questions: questions(&t.questions),
        built_in: t.built_in,
    }
}

/// A campaign; `now` decides whether it is open and which reminders are due.
pub fn campaign(c: &CampaignRecord, now: DateTime<Utc>) -> pb::Campaign {
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
        reminders_due: reminders_due(c, now) as i32,
        open: is_open(c, now),
        previous_campaign_id: c.previous_campaign_id.map(|p| p.to_string()).unwrap_or_default(),
    }
}
