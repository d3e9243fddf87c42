//! Creating campaigns, invitations, responses and results on the wire.

use attain_domain::{
    Violations,
    org::check_name,
    survey::{Answer, Value},
};
use attain_proto::coaching::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert};
use chrono::Utc;

use super::{fields::required_id, survey_encode as encode};
use crate::{
    app::{
        SurveyApi,
        survey_ops::{NewCampaign, Submission},
    },
    store::surveys::StoredAudience,
};

const MAX_AUDIENCE: usize = 10_000;
const MAX_REMINDERS: usize = 10;

fn time(v: &mut Violations, field: &str, t: Option<&prost_types::Timestamp>) -> Option<chrono::DateTime<Utc>> {
    let parsed = t.and_then(convert::from_timestamp_opt);
    if parsed.is_none() {
        v.add(field, "is required and must be a valid time");
    }
    parsed
}

fn audience(v: &mut Violations, a: Option<&pb::audience::Audience>) -> Option<StoredAudience> {
    match a {
        Some(pb::audience::Audience::TeamId(t)) => {
            convert::required_id(v, "campaign.audience.team_id", t).map(|t| StoredAudience::Team(t.to_string()))
        }
        Some(pb::audience::Audience::SalesRole(r)) => {
            if *r == 0 || attain_proto::org::v1::SalesRole::try_from(*r).is_err() {
                v.add(
                    "campaign.audience.sales_role",
                    "must be a SALES_ROLE_ value other than UNSPECIFIED",
                );
            }
            Some(StoredAudience::Role(*r))
        }
        Some(pb::audience::Audience::People(list)) => {
            if list.person_ids.is_empty() || list.person_ids.len() > MAX_AUDIENCE {
                v.add(
                    "campaign.audience.people.person_ids",
                    format!("give 1 to {MAX_AUDIENCE} people"),
                );
            }
            for (i, id) in list.person_ids.iter().enumerate() {
                convert::required_id(v, &format!("campaign.audience.people.person_ids[{i}]"), id);
            }
            // Kept as given: the campaign shows its audience as it was asked for.
            Some(StoredAudience::People(list.person_ids.clone()))
        }
        None => {
            v.add("campaign.audience", "is required: a team, a role or a list of people");
            None
        }
    }
}

fn new_campaign(req: pb::CreateCampaignRequest) -> ApiResult<NewCampaign> {
    let c = req.campaign.unwrap_or_default();
    let mut v = Violations::new();
    check_name(&mut v, "campaign.display_name", &c.display_name);
    let template_id = convert::required_id(&mut v, "campaign.template_id", &c.template_id);
    let audience = audience(&mut v, c.audience.as_ref().and_then(|a| a.audience.as_ref()));
    let subject = match pb::SubjectRule::try_from(c.subject_rule) {
        Ok(pb::SubjectRule::Person) => convert::required_id(&mut v, "campaign.subject_person_id", &c.subject_person_id),
        Ok(_) => None,
        Err(_) => {
            v.add("campaign.subject_rule", "is not a SUBJECT_RULE_ value");
            None
        }
    };
    let open = time(&mut v, "campaign.open_time", c.open_time.as_ref());
    let close = time(&mut v, "campaign.close_time", c.close_time.as_ref());
    if let (Some(o), Some(cl)) = (open, close)
        && cl <= o
    {
        v.add("campaign.close_time", "must be after open_time");
    }
    if c.reminder_times.len() > MAX_REMINDERS {
        v.add("campaign.reminder_times", format!("at most {MAX_REMINDERS}"));
    }
    let mut reminders = Vec::new();
    for (i, t) in c.reminder_times.iter().enumerate() {
        let field = format!("campaign.reminder_times[{i}]");
        match convert::from_timestamp_opt(t) {
            Some(r) if open.is_some_and(|o| r < o) || close.is_some_and(|cl| r >= cl) => {
                v.add(field, "must be between open_time and close_time")
            }
            Some(r) => reminders.push(r),
            None => v.add(field, "is not a valid time"),
        }
    }
    let quarterly = match pb::Recurrence::try_from(c.recurrence) {
        Ok(pb::Recurrence::Quarterly) => true,
        Ok(_) => false,
        Err(_) => {
            v.add("campaign.recurrence", "is not a RECURRENCE_ value");
            false
        }
    };
    let (Some(template_id), Some(audience), Some(open_time), Some(close_time)) =
        v.into_result((template_id, audience, open, close))?
    else {
        return Err(ApiError::invalid("campaign", "is required"));
    };
    Ok(NewCampaign {
        display_name: c.display_name,
        template_id,
        audience,
        subject_person_id: subject,
        open_time,
        close_time,
        reminder_times: reminders,
        quarterly,
    })
}

pub async fn create_campaign(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::CreateCampaignRequest,
) -> ApiResult<pb::CreateCampaignResponse> {
    let saved = api.create_campaign(ctx, new_campaign(req).into()).await?;
    Ok(pb::CreateCampaignResponse {
        campaign: Some(encode::campaign(&saved, Utc::now())),
    })
}

pub async fn my_invitations(
    api: &SurveyApi,
    ctx: &Ctx,
    _: pb::ListMyInvitationsRequest,
) -> ApiResult<pb::ListMyInvitationsResponse> {
    let mine = api.list_my_invitations(ctx).await?;
    Ok(pb::ListMyInvitationsResponse {
        invitations: mine
            .invitations
            .iter()
            .map(|i| pb::Invitation {
                campaign: Some(encode::campaign(&i.campaign, mine.as_of)),
                subject_id: i.subject_id.to_string(),
                answered: i.answered,
            })
            .collect(),
    })
}

fn answers(v: &mut Violations, answers: Vec<pb::Answer>) -> Vec<Answer> {
    answers
        .into_iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let value = match a.value {
                Some(pb::answer::Value::Rating(r)) => Value::Rating(r),
                Some(pb::answer::Value::Choice(c)) => Value::Choice(c),
                Some(pb::answer::Value::Choices(cs)) => Value::Choices(cs.options),
                Some(pb::answer::Value::Text(t)) => Value::Text(t),
                None => {
                    v.add(format!("answers[{i}].value"), "is required");
                    return None;
                }
            };
            Some(Answer {
                question_id: a.question_id,
                value,
            })
        })
        .collect()
}

fn submission(req: pb::SubmitResponseRequest) -> ApiResult<Submission> {
    let mut v = Violations::new();
    let campaign = convert::required_id(&mut v, "campaign_id", &req.campaign_id);
    let answers = answers(&mut v, req.answers);
    let campaign_id = v
        .into_result(campaign)?
        .ok_or_else(|| ApiError::invalid("campaign_id", "is required"))?;
    Ok(Submission { campaign_id, answers })
}

pub async fn submit(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::SubmitResponseRequest,
) -> ApiResult<pb::SubmitResponseResponse> {
    let submission = submission(req)?;
    let replaced = api.submit_response(ctx, submission).await?;
    Ok(pb::SubmitResponseResponse { replaced })
}

pub async fn pending(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::ListPendingRespondentsRequest,
) -> ApiResult<pb::ListPendingRespondentsResponse> {
    let campaign = required_id("campaign_id", &req.campaign_id)?;
    let people = api.list_pending_respondents(ctx, campaign).await?;
    Ok(pb::ListPendingRespondentsResponse {
        person_ids: people.iter().map(|p| p.to_string()).collect(),
    })
}

pub async fn results(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::GetSurveyResultsRequest,
) -> ApiResult<pb::GetSurveyResultsResponse> {
    let mut v = Violations::new();
    let campaign = convert::required_id(&mut v, "campaign_id", &req.campaign_id);
    let subject = convert::optional_id(&mut v, "subject_id", &req.subject_id);
    let campaign = v
        .into_result(campaign)?
        .ok_or_else(|| ApiError::invalid("campaign_id", "is required"))?;
    let r = api.survey_results(ctx, campaign, subject).await?;
    Ok(pb::GetSurveyResultsResponse {
        results: Some(pb::SurveyResults {
            campaign_id: r.campaign_id.to_string(),
            subject_id: r.subject_id.map(|s| s.to_string()).unwrap_or_default(),
            invited_count: r.invited_count as i32,
            response_count: r.response_count as i32,
            response_rate: r.response_rate,
            score: r.score,
            withheld: r.withheld.is_some(),
            withheld_reason: r.withheld.unwrap_or_default(),
            questions: r
                .questions
                .into_iter()
                .map(|q| pb::QuestionResult {
                    question_id: q.question_id,
                    answer_count: q.stats.answers as i32,
                    mean: q.stats.mean,
                    distribution: q.stats.distribution.iter().map(|n| *n as i32).collect(),
                    nps: q.stats.nps,
                    texts: q.stats.texts,
                })
                .collect(),
            trend: r
                .trend
                .into_iter()
                .map(|t| pb::TrendPoint {
                    campaign_id: t.campaign_id.to_string(),
                    close_date: Some(convert::date_to_proto(t.close_date)),
                    response_count: t.response_count as i32,
                    score: t.score,
                })
                .collect(),
        }),
    })
}
