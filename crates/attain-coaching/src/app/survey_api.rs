//! The survey service's state and the rules its use cases share — templates, invitations, the k
//! of k-anonymity, answers, whether a campaign is open — used by `surveys.rs` and
//! `survey_ops.rs`.

use std::{collections::HashMap, sync::Arc};

use attain_domain::{
    Violations,
    survey::{self, Answer, Question},
};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use chrono::{DateTime, Months, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    access::View,
    survey_records::{StoredAnswer, from_stored, question},
};
use crate::store::surveys::{self as store, CampaignRecord, StoredAudience};
use attain_runtime::clients::{Peers, org::has_left};

/// The fixed id of the built-in "Quarterly coaching quality" template, the same in every tenant.
pub const BUILT_IN_TEMPLATE: Uuid = Uuid::from_u128(0x6f1c0a5e_9b1d_4c3e_8a2b_c0ac41950001);

#[derive(Clone)]
pub struct SurveyApi {
    pub(super) pool: PgPool,
    pub(super) peers: Arc<Peers>,
    secret: Arc<Vec<u8>>,
}

impl SurveyApi {
    pub fn new(pool: PgPool, peers: Arc<Peers>, secret: &[u8]) -> Self {
        Self {
            pool,
            peers,
            secret: Arc::new(secret.to_vec()),
        }
    }

    /// The respondent tag: a keyed hash of (tenant, campaign, person) under the survey secret.
    pub(super) fn tag(&self, tenant: Uuid, campaign: Uuid, person: Uuid) -> Vec<u8> {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.secret) {
            Ok(mac) => mac,
            // HMAC takes keys of any length; this arm cannot run.
            Err(_) => return Vec::new(),
        };
        mac.update(tenant.as_bytes());
        mac.update(campaign.as_bytes());
        mac.update(person.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

// ---- templates ----

/// A template's name and questions: the built-in one, or the tenant's.
pub(crate) async fn template(api: &SurveyApi, tenant: Uuid, id: Uuid) -> ApiResult<Option<(String, Vec<Question>)>> {
    if id == BUILT_IN_TEMPLATE {
        let (name, questions) = survey::coaching_quality_template();
        return Ok(Some((name.to_string(), questions)));
    }
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let t = store::template(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Ok(t.map(|t| (t.display_name, t.questions.0.iter().map(question).collect())))
}

// ---- campaigns ----

/// Whether the campaign takes answers at `now`.
pub fn is_open(c: &CampaignRecord, now: DateTime<Utc>) -> bool {
    c.open_time <= now && now < c.close_time
}

/// The reminders of an open campaign whose time has come by `now` (none once it has closed).
pub fn reminders_due(c: &CampaignRecord, now: DateTime<Utc>) -> usize {
    if is_open(c, now) {
        c.reminder_times.iter().filter(|t| **t <= now).count()
    } else {
        0
    }
}

// ---- audience ----

/// The invitations of a campaign: each person of the audience with their subject. People
/// without a subject (no manager) are left out.
pub(crate) async fn invitations(
    api: &SurveyApi,
    ctx: &Ctx,
    view: &View,
    v: &mut Violations,
    audience: &StoredAudience,
    subject: Option<Uuid>,
) -> ApiResult<Vec<(Uuid, Uuid)>> {
    let people = match audience {
        StoredAudience::Team(t) => {
            let team = Uuid::parse_str(t).map_err(ApiError::internal)?;
            let mut people = api.peers.org.people(ctx, Some(team)).await?;
            people.retain(|p| !has_left(p));
            people
        }
        StoredAudience::Role(r) => api
            .peers
            .org
            .people(ctx, None)
            .await?
            .into_iter()
            .filter(|p| !has_left(p) && p.sales_role == *r)
            .collect(),
        StoredAudience::People(ids) => {
            let mut out = Vec::new();
            for (i, id) in ids.iter().enumerate() {
                let field = format!("campaign.audience.people.person_ids[{i}]");
                match convert::required_id(v, &field, id) {
                    Some(p) if view.sees(p) => {
                        if let Some(person) = api.peers.org.person(ctx, p).await? {
                            out.push(person);
                        }
                    }
                    Some(_) => v.add(field, "no person with this id that you may see"),
                    None => {}
                }
            }
            out
        }
    };
    let mut team_managers: HashMap<String, Option<Uuid>> = HashMap::new();
    let mut out = Vec::new();
    for p in people {
        let Ok(id) = Uuid::parse_str(&p.id) else { continue };
        let subject = match subject {
            Some(s) => Some(s),
            None => match Uuid::parse_str(&p.manager_id).ok() {
                Some(m) => Some(m),
                None if !p.team_id.is_empty() => {
                    if !team_managers.contains_key(&p.team_id) {
                        let manager = match Uuid::parse_str(&p.team_id) {
                            Ok(t) => Uuid::parse_str(&api.peers.org.visible_team(ctx, t).await?.manager_id).ok(),
                            Err(_) => None,
                        };
                        team_managers.insert(p.team_id.clone(), manager);
                    }
                    team_managers.get(&p.team_id).copied().flatten()
                }
                None => None,
            },
        };
        // Nobody is asked about themself.
        if let Some(s) = subject.filter(|s| *s != id) {
            out.push((id, s));
        }
    }
    Ok(out)
}

/// Creates the next occurrence of quarterly campaigns that have closed.
pub(crate) async fn roll_over(api: &SurveyApi, ctx: &Ctx) -> ApiResult<()> {
    let tenant = ctx.tenant_id;
    let now = Utc::now();
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let due = store::due_repeats(&mut tx, tenant, now).await?;
    tx.commit().await?;
    if due.is_empty() || !ctx.role.sees_whole_tenant() {
        return Ok(());
    }
    let view = View::of_peers(&api.peers, ctx).await?;
    for c in due {
        let shift = |t: DateTime<Utc>| t.checked_add_months(Months::new(3)).unwrap_or(t);
        let mut ignored = Violations::new();
        let invites = invitations(api, ctx, &view, &mut ignored, &c.audience.0, c.subject_person_id).await?;
        let next = CampaignRecord {
            campaign_id: Uuid::now_v7(),
            open_time: shift(c.open_time),
            close_time: shift(c.close_time),
            reminder_times: c.reminder_times.iter().map(|t| shift(*t)).collect(),
            previous_campaign_id: Some(c.campaign_id),
            ..c.clone()
        };
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        store::insert_campaign(&mut tx, tenant, &next, &invites).await?;
        tx.commit().await?;
    }
    Ok(())
}

pub(crate) async fn min_responses(api: &SurveyApi, tenant: Uuid) -> ApiResult<u32> {
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let k = store::min_responses(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(k.map_or(survey::DEFAULT_K, |k| k.max(survey::MIN_K as i32) as u32))
}

/// The answers of responses about `subject` (or anyone).
pub(crate) async fn answers(
    api: &SurveyApi,
    tenant: Uuid,
    campaign: Uuid,
    subject: Option<Uuid>,
) -> ApiResult<Vec<Vec<Answer>>> {
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let rows = store::responses(&mut tx, tenant, campaign, subject).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            serde_json::from_value::<Vec<StoredAnswer>>(r)
                .unwrap_or_default()
                .into_iter()
                .filter_map(from_stored)
                .collect()
        })
        .collect())
}

/// The coaching-quality score of `subject`: the latest closed campaign of the built-in
/// template with released results about them, and its response count.
pub async fn coaching_quality(api: &SurveyApi, tenant: Uuid, subject: Uuid) -> ApiResult<(Option<f64>, i32)> {
    let k = min_responses(api, tenant).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let campaigns = store::earlier(&mut tx, tenant, BUILT_IN_TEMPLATE, Utc::now()).await?;
    tx.commit().await?;
    let (_, questions) = survey::coaching_quality_template();
    for c in campaigns.iter().rev() {
        let responses = answers(api, tenant, c.campaign_id, Some(subject)).await?;
        if !responses.is_empty() && survey::withheld(responses.len() as u32, k, c.close_time <= Utc::now()).is_none() {
            return Ok((survey::score(&questions, &responses), responses.len() as i32));
        }
    }
    Ok((None, 0))
}
