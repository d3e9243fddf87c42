//! Survey campaigns, responses and results: the handlers behind `SurveyService` that carry the
//! anonymity and k-anonymity rules.

use std::collections::HashSet;

use attain_domain::{
    Violations,
    org::{AccessRole, check_name},
    survey::{self, Answer, Value},
};
use attain_proto::coaching::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    access::View,
    survey_api::{MAX_AUDIENCE, MAX_REMINDERS, SurveyApi, answers, invitations, min_responses, template},
    survey_convert::{campaign_to_proto, to_stored},
};
use crate::store::surveys::{self as store, CampaignRecord, StoredAudience};

fn time(v: &mut Violations, field: &str, t: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    let parsed = t.and_then(attain_runtime::convert::from_timestamp_opt);
    if parsed.is_none() {
        v.add(field, "is required and must be a valid time");
    }
    parsed
}

pub async fn create_campaign(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::CreateCampaignRequest,
) -> ApiResult<pb::CreateCampaignResponse> {
    let c = req.campaign.unwrap_or_default();
    ctx.require(&[AccessRole::Admin, AccessRole::Manager], "create survey campaigns")?;
    let view = View::naming(&api.peers, ctx, [&c.subject_person_id]).await?;
    let mut v = Violations::new();
    check_name(&mut v, "campaign.display_name", &c.display_name);
    let template_id = convert::required_id(&mut v, "campaign.template_id", &c.template_id);
    let audience = match c.audience.as_ref().and_then(|a| a.audience.as_ref()) {
        Some(pb::audience::Audience::TeamId(t)) => {
            convert::required_id(&mut v, "campaign.audience.team_id", t).map(|t| StoredAudience::Team(t.to_string()))
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
            Some(StoredAudience::People(list.person_ids.clone()))
        }
        None => {
            v.add("campaign.audience", "is required: a team, a role or a list of people");
            None
        }
    };
    let subject = match pb::SubjectRule::try_from(c.subject_rule) {
        Ok(pb::SubjectRule::Person) => {
            let s = convert::required_id(&mut v, "campaign.subject_person_id", &c.subject_person_id);
            if let Some(p) = s
                && !view.sees(p)
            {
                v.add("campaign.subject_person_id", "no person with this id that you may see");
            }
            s
        }
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
        match attain_runtime::convert::from_timestamp_opt(t) {
            Some(r) if open.is_some_and(|o| r < o) || close.is_some_and(|cl| r >= cl) => {
                v.add(field, "must be between open_time and close_time")
            }
            Some(r) => reminders.push(r),
            None => v.add(field, "is not a valid time"),
        }
    }
    let recurrence = match pb::Recurrence::try_from(c.recurrence) {
        Ok(pb::Recurrence::Quarterly) => "quarterly",
        Ok(_) => "none",
        Err(_) => {
            v.add("campaign.recurrence", "is not a RECURRENCE_ value");
            "none"
        }
    };
    if let Some(t) = template_id
        && template(api, ctx.tenant_id, t).await?.is_none()
    {
        v.add("campaign.template_id", "no survey template with this id");
    }
    let audience = v
        .clone()
        .into_result(audience)?
        .ok_or_else(|| ApiError::invalid("campaign.audience", "is required"))?;
    let invites = invitations(api, ctx, &view, &mut v, &audience, subject).await?;
    let (template_id, open, close) = match v.into_result((template_id, open, close))? {
        (Some(t), Some(o), Some(cl)) => (t, o, cl),
        _ => return Err(ApiError::invalid("campaign", "is required")),
    };
    if invites.is_empty() {
        return Err(ApiError::FailedPrecondition(
            "nobody in the audience has a subject to answer about (no manager)".into(),
        ));
    }
    let record = CampaignRecord {
        campaign_id: Uuid::now_v7(),
        template_id,
        display_name: c.display_name.clone(),
        audience: Json(audience),
        subject_rule: if subject.is_some() { "person" } else { "manager" }.into(),
        subject_person_id: subject,
        open_time: open,
        close_time: close,
        reminder_times: reminders,
        recurrence: recurrence.into(),
        previous_campaign_id: None,
        invited: 0,
        responded: 0,
    };
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let id = store::insert_campaign(&mut tx, tenant, &record, &invites)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("campaign insert returned nothing")))?;
    let saved = store::campaign(&mut tx, tenant, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("campaign vanished")))?;
    tx.commit().await?;
    Ok(pb::CreateCampaignResponse {
        campaign: Some(campaign_to_proto(&saved, Utc::now())),
    })
}

fn me(ctx: &Ctx) -> ApiResult<Uuid> {
    ctx.person_id.ok_or_else(|| {
        ApiError::FailedPrecondition("this credential is not a person's; surveys are answered by people".into())
    })
}

pub async fn my_invitations(
    api: &SurveyApi,
    ctx: &Ctx,
    _: pb::ListMyInvitationsRequest,
) -> ApiResult<pb::ListMyInvitationsResponse> {
    let person = me(ctx)?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let mine = store::invitations_of(&mut tx, tenant, person).await?;
    let now = Utc::now();
    let mut out = Vec::new();
    for (campaign, subject) in mine {
        let Some(c) = store::campaign(&mut tx, tenant, campaign).await? else {
            continue;
        };
        let tag = api.tag(tenant, campaign, person);
        let answered = !store::answered(&mut tx, tenant, campaign, std::slice::from_ref(&tag))
            .await?
            .is_empty();
        out.push(pb::Invitation {
            campaign: Some(campaign_to_proto(&c, now)),
            subject_id: subject.to_string(),
            answered,
        });
    }
    tx.commit().await?;
    out.sort_by_key(|i| {
        (
            !i.campaign.as_ref().is_some_and(|c| c.open),
            i.campaign.as_ref().map(|c| c.id.clone()),
        )
    });
    Ok(pb::ListMyInvitationsResponse { invitations: out })
}

fn answers_from_proto(v: &mut Violations, answers: &[pb::Answer]) -> Vec<Answer> {
    answers
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let value = match a.value.as_ref() {
                Some(pb::answer::Value::Rating(r)) => Value::Rating(*r),
                Some(pb::answer::Value::Choice(c)) => Value::Choice(c.clone()),
                Some(pb::answer::Value::Choices(cs)) => Value::Choices(cs.options.clone()),
                Some(pb::answer::Value::Text(t)) => Value::Text(t.clone()),
                None => {
                    v.add(format!("answers[{i}].value"), "is required");
                    return None;
                }
            };
            Some(Answer {
                question_id: a.question_id.clone(),
                value,
            })
        })
        .collect()
}

pub async fn submit(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::SubmitResponseRequest,
) -> ApiResult<pb::SubmitResponseResponse> {
    let mut v = Violations::new();
    let campaign = convert::required_id(&mut v, "campaign_id", &req.campaign_id);
    let given = answers_from_proto(&mut v, &req.answers);
    let campaign = v
        .clone()
        .into_result(campaign)?
        .ok_or_else(|| ApiError::invalid("campaign_id", "is required"))?;
    let person = me(ctx)?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let c = store::campaign(&mut tx, tenant, campaign)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("campaign {campaign}")))?;
    let subject = store::invitation(&mut tx, tenant, campaign, person)
        .await?
        .ok_or_else(|| ApiError::PermissionDenied("you are not invited to this campaign".into()))?;
    let (_, questions) = template(api, tenant, c.template_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("campaign {campaign} lost its template")))?;
    v.extend(survey::check_answers(&questions, &given));
    v.into_result(())?;
    let now = Utc::now();
    if now < c.open_time || now >= c.close_time {
        return Err(ApiError::FailedPrecondition(format!(
            "the campaign is open from {} to {}; answers are not accepted now",
            c.open_time, c.close_time
        )));
    }
    let stored = serde_json::to_value(given.iter().map(to_stored).collect::<Vec<_>>()).map_err(ApiError::internal)?;
    let tag = api.tag(tenant, campaign, person);
    let replaced = store::upsert_response(&mut tx, tenant, campaign, &tag, subject, &stored).await?;
    tx.commit().await?;
    Ok(pb::SubmitResponseResponse { replaced })
}

pub async fn pending(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::ListPendingRespondentsRequest,
) -> ApiResult<pb::ListPendingRespondentsResponse> {
    let mut v = Violations::new();
    let campaign = convert::required_id(&mut v, "campaign_id", &req.campaign_id);
    let campaign = v
        .into_result(campaign)?
        .ok_or_else(|| ApiError::invalid("campaign_id", "is required"))?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    if store::campaign(&mut tx, tenant, campaign).await?.is_none() {
        return Err(ApiError::not_found(format!("campaign {campaign}")));
    }
    ctx.require(&[AccessRole::Admin], "list who has not answered")?;
    let invited = store::invited(&mut tx, tenant, campaign).await?;
    let tags: Vec<Vec<u8>> = invited.iter().map(|(p, _)| api.tag(tenant, campaign, *p)).collect();
    let answered: HashSet<Vec<u8>> = store::answered(&mut tx, tenant, campaign, &tags)
        .await?
        .into_iter()
        .collect();
    tx.commit().await?;
    Ok(pb::ListPendingRespondentsResponse {
        person_ids: invited
            .iter()
            .zip(&tags)
            .filter(|(_, t)| !answered.contains(*t))
            .map(|((p, _), _)| p.to_string())
            .collect(),
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
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let c = store::campaign(&mut tx, tenant, campaign)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("campaign {campaign}")))?;
    let invited = store::invited(&mut tx, tenant, campaign).await?;
    tx.commit().await?;
    // Who may read: admins everything; a subject's own managers and the subject their results.
    match subject {
        None => ctx.require(&[AccessRole::Admin], "read a whole campaign's results")?,
        Some(s) if ctx.role == AccessRole::Admin || ctx.person_id == Some(s) => {}
        Some(s) => {
            let view = View::of_peers(&api.peers, ctx).await?;
            if !view.sees(s) {
                return Err(ApiError::not_found(format!("person {s}")));
            }
            ctx.require(&[AccessRole::Manager], "read survey results about others")?;
        }
    }
    let k = min_responses(api, tenant).await?;
    let (_, questions) = template(api, tenant, c.template_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("campaign {campaign} lost its template")))?;
    let responses = answers(api, tenant, campaign, subject).await?;
    let invited_count = invited.iter().filter(|(_, s)| subject.is_none_or(|x| x == *s)).count() as u32;
    let withheld = survey::withheld(responses.len() as u32, k, c.close_time <= Utc::now());
    let question_results = if withheld.is_some() {
        Vec::new()
    } else {
        questions
            .iter()
            .map(|q| {
                let values: Vec<&Value> = responses
                    .iter()
                    .flatten()
                    .filter(|a| a.question_id == q.id)
                    .map(|a| &a.value)
                    .collect();
                let mut s = survey::stats(q, &values);
                s.texts.shuffle(&mut rand::rng());
                pb::QuestionResult {
                    question_id: q.id.clone(),
                    answer_count: s.answers as i32,
                    mean: s.mean,
                    distribution: s.distribution.iter().map(|n| *n as i32).collect(),
                    nps: s.nps,
                    texts: s.texts,
                }
            })
            .collect()
    };
    // The trend: earlier campaigns of the same template about the same subject.
    let mut trend = Vec::new();
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let earlier = store::earlier(&mut tx, tenant, c.template_id, c.open_time).await?;
    tx.commit().await?;
    for e in earlier.iter().filter(|e| e.campaign_id != campaign) {
        let rs = answers(api, tenant, e.campaign_id, subject).await?;
        let released = survey::withheld(rs.len() as u32, k, e.close_time <= Utc::now()).is_none();
        trend.push(pb::TrendPoint {
            campaign_id: e.campaign_id.to_string(),
            close_date: Some(convert::date_to_proto(e.close_time.date_naive())),
            response_count: rs.len() as i32,
            score: if released { survey::score(&questions, &rs) } else { None },
        });
    }
    Ok(pb::GetSurveyResultsResponse {
        results: Some(pb::SurveyResults {
            campaign_id: campaign.to_string(),
            subject_id: subject.map(|s| s.to_string()).unwrap_or_default(),
            invited_count: invited_count as i32,
            response_count: responses.len() as i32,
            response_rate: (invited_count > 0).then(|| responses.len() as f64 / f64::from(invited_count)),
            score: if withheld.is_none() {
                survey::score(&questions, &responses)
            } else {
                None
            },
            withheld: withheld.is_some(),
            withheld_reason: withheld.unwrap_or_default(),
            questions: question_results,
            trend,
        }),
    })
}
