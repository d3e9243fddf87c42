//! `attain.coaching.v1.SurveyService`: survey templates, campaigns and the survey settings.

use attain_domain::{
    org::AccessRole,
    survey::{self, Question},
};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, dispatch::Decoded};
use chrono::Utc;
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    survey_api::{BUILT_IN_TEMPLATE, SurveyApi, min_responses, roll_over, template},
    survey_records::{question, stored},
};
use crate::store::surveys::{self as store, CampaignRecord, TemplateRecord};

/// A survey template: the built-in one or a tenant's.
pub struct SurveyTemplate {
    pub id: Uuid,
    pub display_name: String,
    pub questions: Vec<Question>,
    pub built_in: bool,
}

/// A template to create, its name and questions checked.
pub struct NewSurveyTemplate {
    pub display_name: String,
    pub questions: Vec<Question>,
}

/// The tenant's survey settings.
pub struct SurveySettings {
    /// The k of k-anonymity: results are shown from this many responses.
    pub min_responses: i32,
}

impl SurveyApi {
    /// The built-in template, then the tenant's.
    pub async fn list_survey_templates(&self, ctx: &Ctx) -> ApiResult<Vec<SurveyTemplate>> {
        let (name, questions) = survey::coaching_quality_template();
        let mut out = vec![SurveyTemplate {
            id: BUILT_IN_TEMPLATE,
            display_name: name.to_string(),
            questions,
            built_in: true,
        }];
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let own: Vec<TemplateRecord> = store::templates(&mut tx, ctx.tenant_id).await?;
        tx.commit().await?;
        out.extend(own.into_iter().map(|t| SurveyTemplate {
            id: t.template_id,
            questions: t.questions.0.iter().map(question).collect(),
            display_name: t.display_name,
            built_in: false,
        }));
        Ok(out)
    }

    pub async fn create_survey_template(
        &self,
        ctx: &Ctx,
        input: Decoded<NewSurveyTemplate>,
    ) -> ApiResult<SurveyTemplate> {
        ctx.require(&[AccessRole::Admin], "create survey templates")?;
        let t = input.get()?;
        let record = TemplateRecord {
            template_id: Uuid::now_v7(),
            display_name: t.display_name,
            questions: Json(t.questions.iter().map(stored).collect()),
        };
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let saved = store::insert_template(&mut tx, ctx.tenant_id, &record).await?;
        tx.commit().await?;
        Ok(SurveyTemplate {
            id: saved.template_id,
            display_name: saved.display_name,
            questions: t.questions,
            built_in: false,
        })
    }

    pub async fn get_survey_template(&self, ctx: &Ctx, id: Uuid) -> ApiResult<SurveyTemplate> {
        let (display_name, questions) = template(self, ctx.tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("survey template {id}")))?;
        Ok(SurveyTemplate {
            id,
            display_name,
            questions,
            built_in: id == BUILT_IN_TEMPLATE,
        })
    }

    pub async fn get_campaign(&self, ctx: &Ctx, id: Uuid) -> ApiResult<CampaignRecord> {
        roll_over(self, ctx).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let c = store::campaign(&mut tx, ctx.tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("campaign {id}")))?;
        tx.commit().await?;
        Ok(c)
    }

    pub async fn list_campaigns(&self, ctx: &Ctx) -> ApiResult<Vec<CampaignRecord>> {
        ctx.require(
            &[AccessRole::Admin, AccessRole::Manager, AccessRole::Integration],
            "list survey campaigns",
        )?;
        roll_over(self, ctx).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let all = store::campaigns(&mut tx, ctx.tenant_id).await?;
        tx.commit().await?;
        Ok(all)
    }

    pub async fn close_campaign(&self, ctx: &Ctx, id: Uuid) -> ApiResult<CampaignRecord> {
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let found = store::campaign(&mut tx, ctx.tenant_id, id).await?;
        if found.is_none() {
            return Err(ApiError::not_found(format!("campaign {id}")));
        }
        ctx.require(&[AccessRole::Admin], "close survey campaigns")?;
        store::close(&mut tx, ctx.tenant_id, id, Utc::now()).await?;
        let c = store::campaign(&mut tx, ctx.tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("campaign {id}")))?;
        tx.commit().await?;
        Ok(c)
    }

    pub async fn get_survey_settings(&self, ctx: &Ctx) -> ApiResult<SurveySettings> {
        Ok(SurveySettings {
            min_responses: min_responses(self, ctx.tenant_id).await? as i32,
        })
    }

    pub async fn update_survey_settings(&self, ctx: &Ctx, input: Decoded<SurveySettings>) -> ApiResult<SurveySettings> {
        ctx.require(&[AccessRole::Admin], "change survey settings")?;
        let s = input.get()?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        store::set_min_responses(&mut tx, ctx.tenant_id, s.min_responses).await?;
        tx.commit().await?;
        Ok(s)
    }
}
