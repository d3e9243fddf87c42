//! SQL of surveys: templates, campaigns, invitations, anonymous responses, settings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use super::{Conn, Result};

/// A question as stored in `survey_templates.questions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredQuestion {
    pub id: String,
    pub text: String,
    pub kind: String,
    pub options: Vec<String>,
    pub required: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRecord {
    pub template_id: Uuid,
    pub display_name: String,
    pub questions: Json<Vec<StoredQuestion>>,
}

pub async fn insert_template(c: &mut Conn, tenant: Uuid, t: &TemplateRecord) -> Result<TemplateRecord> {
    sqlx::query_as(
        "INSERT INTO coaching.survey_templates (tenant_id, template_id, display_name, questions) VALUES ($1, $2, $3, $4)
         RETURNING template_id, display_name, questions",
    )
    .bind(tenant)
    .bind(t.template_id)
    .bind(&t.display_name)
    .bind(&t.questions)
    .fetch_one(c)
    .await
}

pub async fn templates(c: &mut Conn, tenant: Uuid) -> Result<Vec<TemplateRecord>> {
    sqlx::query_as(
        "SELECT template_id, display_name, questions FROM coaching.survey_templates WHERE tenant_id = $1
         ORDER BY display_name",
    )
    .bind(tenant)
    .fetch_all(c)
    .await
}

pub async fn template(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<Option<TemplateRecord>> {
    sqlx::query_as(
        "SELECT template_id, display_name, questions FROM coaching.survey_templates
         WHERE tenant_id = $1 AND template_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

/// The audience as stored in `campaigns.audience`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredAudience {
    Team(String),
    Role(i32),
    People(Vec<String>),
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignRecord {
    pub campaign_id: Uuid,
    pub template_id: Uuid,
    pub display_name: String,
    pub audience: Json<StoredAudience>,
    pub subject_rule: String,
    pub subject_person_id: Option<Uuid>,
    pub open_time: DateTime<Utc>,
    pub close_time: DateTime<Utc>,
    pub reminder_times: Vec<DateTime<Utc>>,
    pub recurrence: String,
    pub previous_campaign_id: Option<Uuid>,
    pub invited: i64,
    pub responded: i64,
}

const CAMPAIGN_SELECT: &str = "SELECT c.campaign_id, c.template_id, c.display_name, c.audience, c.subject_rule,
        c.subject_person_id, c.open_time, c.close_time, c.reminder_times, c.recurrence, c.previous_campaign_id,
        (SELECT count(*) FROM coaching.invitations i WHERE i.tenant_id = c.tenant_id AND i.campaign_id = c.campaign_id)
            AS invited,
        (SELECT count(*) FROM coaching.responses r WHERE r.tenant_id = c.tenant_id AND r.campaign_id = c.campaign_id)
            AS responded
    FROM coaching.campaigns c";

/// Inserts a campaign and its invitations (person, subject); `None` when its repetition of
/// `previous_campaign_id` exists already.
pub async fn insert_campaign(
    c: &mut Conn,
    tenant: Uuid,
    r: &CampaignRecord,
    invitations: &[(Uuid, Uuid)],
) -> Result<Option<Uuid>> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO coaching.campaigns (tenant_id, campaign_id, template_id, display_name, audience, subject_rule,
             subject_person_id, open_time, close_time, reminder_times, recurrence, previous_campaign_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (tenant_id, previous_campaign_id) DO NOTHING RETURNING campaign_id",
    )
    .bind(tenant)
    .bind(r.campaign_id)
    .bind(r.template_id)
    .bind(&r.display_name)
    .bind(&r.audience)
    .bind(&r.subject_rule)
    .bind(r.subject_person_id)
    .bind(r.open_time)
    .bind(r.close_time)
    .bind(&r.reminder_times)
    .bind(&r.recurrence)
    .bind(r.previous_campaign_id)
    .fetch_optional(&mut *c)
    .await?;
    if let Some(id) = id {
        let people: Vec<Uuid> = invitations.iter().map(|(p, _)| *p).collect();
        let subjects: Vec<Uuid> = invitations.iter().map(|(_, s)| *s).collect();
        sqlx::query(
            "INSERT INTO coaching.invitations (tenant_id, campaign_id, person_id, subject_id)
             SELECT $1, $2, p, s FROM unnest($3::uuid[], $4::uuid[]) AS t (p, s)",
        )
        .bind(tenant)
        .bind(id)
        .bind(&people)
        .bind(&subjects)
        .execute(c)
        .await?;
    }
    Ok(id)
}

pub async fn campaign(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<Option<CampaignRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CAMPAIGN_SELECT} WHERE c.tenant_id = $1 AND c.campaign_id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

pub async fn campaigns(c: &mut Conn, tenant: Uuid) -> Result<Vec<CampaignRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CAMPAIGN_SELECT} WHERE c.tenant_id = $1 ORDER BY c.open_time DESC, c.campaign_id DESC"
    )))
    .bind(tenant)
    .fetch_all(c)
    .await
}

/// Closed quarterly campaigns that have not been repeated yet.
pub async fn due_repeats(c: &mut Conn, tenant: Uuid, now: DateTime<Utc>) -> Result<Vec<CampaignRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CAMPAIGN_SELECT} WHERE c.tenant_id = $1 AND c.recurrence = 'quarterly' AND c.close_time <= $2
           AND NOT EXISTS (SELECT 1 FROM coaching.campaigns n
                           WHERE n.tenant_id = c.tenant_id AND n.previous_campaign_id = c.campaign_id)"
    )))
    .bind(tenant)
    .bind(now)
    .fetch_all(c)
    .await
}

/// Campaigns of `template` closed before `before`, oldest first.
pub async fn earlier(c: &mut Conn, tenant: Uuid, template: Uuid, before: DateTime<Utc>) -> Result<Vec<CampaignRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CAMPAIGN_SELECT} WHERE c.tenant_id = $1 AND c.template_id = $2 AND c.close_time <= $3
         ORDER BY c.close_time, c.campaign_id"
    )))
    .bind(tenant)
    .bind(template)
    .bind(before)
    .fetch_all(c)
    .await
}

pub async fn close(c: &mut Conn, tenant: Uuid, id: Uuid, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE coaching.campaigns SET close_time = $3, closed_early = true, recurrence = 'none'
         WHERE tenant_id = $1 AND campaign_id = $2 AND close_time > $3",
    )
    .bind(tenant)
    .bind(id)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

/// The caller's invitations: (campaign, subject).
pub async fn invitations_of(c: &mut Conn, tenant: Uuid, person: Uuid) -> Result<Vec<(Uuid, Uuid)>> {
    sqlx::query_as("SELECT campaign_id, subject_id FROM coaching.invitations WHERE tenant_id = $1 AND person_id = $2")
        .bind(tenant)
        .bind(person)
        .fetch_all(c)
        .await
}

pub async fn invitation(c: &mut Conn, tenant: Uuid, campaign: Uuid, person: Uuid) -> Result<Option<Uuid>> {
    sqlx::query_scalar(
        "SELECT subject_id FROM coaching.invitations WHERE tenant_id = $1 AND campaign_id = $2 AND person_id = $3",
    )
    .bind(tenant)
    .bind(campaign)
    .bind(person)
    .fetch_optional(c)
    .await
}

/// Everyone invited to a campaign: (person, subject).
pub async fn invited(c: &mut Conn, tenant: Uuid, campaign: Uuid) -> Result<Vec<(Uuid, Uuid)>> {
    sqlx::query_as(
        "SELECT person_id, subject_id FROM coaching.invitations WHERE tenant_id = $1 AND campaign_id = $2
         ORDER BY person_id",
    )
    .bind(tenant)
    .bind(campaign)
    .fetch_all(c)
    .await
}

/// Stores a response, replacing one with the same tag; true when it replaced one.
pub async fn upsert_response(
    c: &mut Conn,
    tenant: Uuid,
    campaign: Uuid,
    tag: &[u8],
    subject: Uuid,
    answers: &serde_json::Value,
) -> Result<bool> {
    let inserted: bool = sqlx::query_scalar(
        "INSERT INTO coaching.responses (tenant_id, campaign_id, respondent_tag, subject_id, answers)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, campaign_id, respondent_tag) DO UPDATE SET answers = excluded.answers
         RETURNING (xmax = 0)",
    )
    .bind(tenant)
    .bind(campaign)
    .bind(tag)
    .bind(subject)
    .bind(answers)
    .fetch_one(c)
    .await?;
    Ok(!inserted)
}

/// Which of `tags` have answered.
pub async fn answered(c: &mut Conn, tenant: Uuid, campaign: Uuid, tags: &[Vec<u8>]) -> Result<Vec<Vec<u8>>> {
    sqlx::query_scalar(
        "SELECT respondent_tag FROM coaching.responses
         WHERE tenant_id = $1 AND campaign_id = $2 AND respondent_tag = ANY($3)",
    )
    .bind(tenant)
    .bind(campaign)
    .bind(tags)
    .fetch_all(c)
    .await
}

/// The answers of a campaign's responses, about `subject` or about anyone.
pub async fn responses(
    c: &mut Conn,
    tenant: Uuid,
    campaign: Uuid,
    subject: Option<Uuid>,
) -> Result<Vec<serde_json::Value>> {
    sqlx::query_scalar(
        "SELECT answers FROM coaching.responses
         WHERE tenant_id = $1 AND campaign_id = $2 AND ($3::uuid IS NULL OR subject_id = $3)",
    )
    .bind(tenant)
    .bind(campaign)
    .bind(subject)
    .fetch_all(c)
    .await
}

pub async fn min_responses(c: &mut Conn, tenant: Uuid) -> Result<Option<i32>> {
    sqlx::query_scalar("SELECT min_responses FROM coaching.survey_settings WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(c)
        .await
}

pub async fn set_min_responses(c: &mut Conn, tenant: Uuid, k: i32) -> Result<()> {
    sqlx::query(
        "INSERT INTO coaching.survey_settings (tenant_id, min_responses) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET min_responses = excluded.min_responses",
    )
    .bind(tenant)
    .bind(k)
    .execute(c)
    .await?;
    Ok(())
}
