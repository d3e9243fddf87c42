//! Survey campaigns, responses and results: the use cases of `SurveyService` that carry the
//! anonymity and k-anonymity rules.

use std::collections::HashSet;

use attain_domain::{
    Violations,
    org::AccessRole,
    survey::{self, Answer, QuestionStats, Value},
};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, dispatch::Decoded};
use chrono::{DateTime, NaiveDate, Utc};
use rand::seq::SliceRandom;
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    access::View,
    survey_api::{SurveyApi, answers, invitations, is_open, min_responses, template},
    survey_records::to_stored,
};
use crate::store::surveys::{self as store, CampaignRecord, StoredAudience};

/// A campaign to create, its fields checked; the template, the subject and the people of the
/// audience are checked against the store and the directory by the use case.
pub struct NewCampaign {
    pub display_name: String,
    pub template_id: Uuid,
    /// As it will be stored (a team's id, a SALES_ROLE_ value, people's ids as given, each
    /// checked to be an id).
    pub audience: StoredAudience,
    /// Whom everyone answers about; `None`: each respondent's manager.
    pub subject_person_id: Option<Uuid>,
    pub open_time: DateTime<Utc>,
    /// After the open time.
    pub close_time: DateTime<Utc>,
    /// Between the open and close times.
    pub reminder_times: Vec<DateTime<Utc>>,
    /// Repeated every quarter once closed.
    pub quarterly: bool,
}

/// A campaign the caller is invited to, about whom, and whether they have answered.
pub struct Invitation {
    pub campaign: CampaignRecord,
    pub subject_id: Uuid,
    pub answered: bool,
}

/// The caller's invitations, open campaigns first, as of a moment.
pub struct Invitations {
    pub invitations: Vec<Invitation>,
    /// When they were read: what decides whether a campaign is open.
    pub as_of: DateTime<Utc>,
}

/// A response to a campaign; its answers are checked against the template by the use case.
pub struct Submission {
    pub campaign_id: Uuid,
    pub answers: Vec<Answer>,
}

/// The results of one question.
pub struct QuestionResult {
    pub question_id: String,
    pub stats: QuestionStats,
}

/// An earlier campaign of the same template about the same subject.
pub struct TrendPoint {
    pub campaign_id: Uuid,
    pub close_date: NaiveDate,
    pub response_count: u32,
    /// `None` while its results are withheld.
    pub score: Option<f64>,
}

/// A campaign's results, about one subject or everyone.
pub struct SurveyResults {
    pub campaign_id: Uuid,
    pub subject_id: Option<Uuid>,
    pub invited_count: u32,
    pub response_count: u32,
    pub response_rate: Option<f64>,
    pub score: Option<f64>,
    /// Why the results are withheld, when they are.
    pub withheld: Option<String>,
    pub questions: Vec<QuestionResult>,
    pub trend: Vec<TrendPoint>,
}

fn me(ctx: &Ctx) -> ApiResult<Uuid> {
    ctx.person_id.ok_or_else(|| {
        ApiError::FailedPrecondition("this credential is not a person's; surveys are answered by people".into())
    })
}

impl SurveyApi {
    pub async fn create_campaign(&self, ctx: &Ctx, input: Decoded<NewCampaign>) -> ApiResult<CampaignRecord> {
        let api = self;
        ctx.require(&[AccessRole::Admin, AccessRole::Manager], "create survey campaigns")?;
        let named: Vec<Uuid> = input.peek().and_then(|c| c.subject_person_id).into_iter().collect();
        let view = View::naming(&api.peers, ctx, &named).await?;
        let c = input.get()?;
        // What the campaign names, now that the ids themselves are valid.
        let mut v = Violations::new();
        if let Some(p) = c.subject_person_id
            && !view.sees(p)
        {
            v.add("campaign.subject_person_id", "no person with this id that you may see");
        }
        if template(api, ctx.tenant_id, c.template_id).await?.is_none() {
            v.add("campaign.template_id", "no survey template with this id");
        }
        v.into_result(())?;
        // The audience's people the caller may see, each with whom they answer about.
        let mut v = Violations::new();
        let subject = c.subject_person_id;
        let invites = invitations(api, ctx, &view, &mut v, &c.audience, subject).await?;
        v.into_result(())?;
        if invites.is_empty() {
            return Err(ApiError::FailedPrecondition(
                "nobody in the audience has a subject to answer about (no manager)".into(),
            ));
        }
        let record = CampaignRecord {
            campaign_id: Uuid::now_v7(),
            template_id: c.template_id,
            display_name: c.display_name,
            audience: Json(c.audience),
            subject_rule: if subject.is_some() { "person" } else { "manager" }.into(),
            subject_person_id: subject,
            open_time: c.open_time,
            close_time: c.close_time,
            reminder_times: c.reminder_times,
            recurrence: if c.quarterly { "quarterly" } else { "none" }.into(),
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
        Ok(saved)
    }

    pub async fn list_my_invitations(&self, ctx: &Ctx) -> ApiResult<Invitations> {
        let api = self;
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
            out.push(Invitation {
                campaign: c,
                subject_id: subject,
                answered,
            });
        }
        tx.commit().await?;
        // Open campaigns first; ids compare as their text does.
        out.sort_by_key(|i| (!is_open(&i.campaign, now), i.campaign.campaign_id));
        Ok(Invitations {
            invitations: out,
            as_of: now,
        })
    }

    pub async fn submit_response(&self, ctx: &Ctx, s: Submission) -> ApiResult<bool> {
        let api = self;
        let Submission {
            campaign_id: campaign,
            answers: given,
        } = s;
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
        survey::check_answers(&questions, &given).into_result(())?;
        let now = Utc::now();
        if now < c.open_time || now >= c.close_time {
            return Err(ApiError::FailedPrecondition(format!(
                "the campaign is open from {} to {}; answers are not accepted now",
                c.open_time, c.close_time
            )));
        }
        let stored =
            serde_json::to_value(given.iter().map(to_stored).collect::<Vec<_>>()).map_err(ApiError::internal)?;
        let tag = api.tag(tenant, campaign, person);
        let replaced = store::upsert_response(&mut tx, tenant, campaign, &tag, subject, &stored).await?;
        tx.commit().await?;
        Ok(replaced)
    }

    /// The people invited to a campaign who have not answered.
    pub async fn list_pending_respondents(&self, ctx: &Ctx, campaign: Uuid) -> ApiResult<Vec<Uuid>> {
        let api = self;
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
        Ok(invited
            .iter()
            .zip(&tags)
            .filter(|(_, t)| !answered.contains(*t))
            .map(|((p, _), _)| *p)
            .collect())
    }

    /// A campaign's results about `subject` (or everyone), withheld below the k of k-anonymity.
    pub async fn survey_results(&self, ctx: &Ctx, campaign: Uuid, subject: Option<Uuid>) -> ApiResult<SurveyResults> {
        let api = self;
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
                    QuestionResult {
                        question_id: q.id.clone(),
                        stats: s,
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
            trend.push(TrendPoint {
                campaign_id: e.campaign_id,
                close_date: e.close_time.date_naive(),
                response_count: rs.len() as u32,
                score: if released { survey::score(&questions, &rs) } else { None },
            });
        }
        Ok(SurveyResults {
            campaign_id: campaign,
            subject_id: subject,
            invited_count,
            response_count: responses.len() as u32,
            response_rate: (invited_count > 0).then(|| responses.len() as f64 / f64::from(invited_count)),
            score: if withheld.is_none() {
                survey::score(&questions, &responses)
            } else {
                None
            },
            withheld,
            questions: question_results,
            trend,
        })
    }
}
