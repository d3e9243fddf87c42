//! `attain.coaching.v1.SurveyService`: survey templates, campaigns, anonymous responses and
//! k-anonymous results.

use attain_domain::{
    Violations,
    org::{AccessRole, check_name},
    survey::{self, Question},
};
use attain_proto::coaching::v1::{self as pb};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant};
use chrono::Utc;
use sqlx::types::Json;

use uuid::Uuid;

use super::survey_convert::{question, stored, template_to_proto};
use crate::store::surveys::{self as store, TemplateRecord};

use super::survey_api::{
    BUILT_IN_TEMPLATE, SurveyApi, min_responses, questions_from_proto, required_id, roll_over, template,
};
use super::survey_convert::campaign_to_proto;

pub(crate) async fn list_survey_templates(
    api: &SurveyApi,
    ctx: &Ctx,
    _: pb::ListSurveyTemplatesRequest,
) -> ApiResult<pb::ListSurveyTemplatesResponse> {
    let (name, questions) = survey::coaching_quality_template();
    let mut out = vec![template_to_proto(BUILT_IN_TEMPLATE, name, &questions, true)];
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let own: Vec<TemplateRecord> = store::templates(&mut tx, ctx.tenant_id).await?;
    tx.commit().await?;
    out.extend(own.iter().map(|t| {
        let qs: Vec<Question> = t.questions.0.iter().map(question).collect();
        template_to_proto(t.template_id, &t.display_name, &qs, false)
    }));
    Ok(pb::ListSurveyTemplatesResponse { templates: out })
}

pub(crate) async fn create_survey_template(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::CreateSurveyTemplateRequest,
) -> ApiResult<pb::CreateSurveyTemplateResponse> {
    let t = req.template.unwrap_or_default();
    ctx.require(&[AccessRole::Admin], "create survey templates")?;
    let mut v = Violations::new();
    check_name(&mut v, "template.display_name", &t.display_name);
    let questions = questions_from_proto(&mut v, &t.questions);
    v.extend_prefixed("template", survey::check_questions(&questions));
    v.into_result(())?;
    let record = TemplateRecord {
        template_id: Uuid::now_v7(),
        display_name: t.display_name.clone(),
        questions: Json(questions.iter().map(stored).collect()),
    };
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let saved = store::insert_template(&mut tx, ctx.tenant_id, &record).await?;
    tx.commit().await?;
    Ok(pb::CreateSurveyTemplateResponse {
        template: Some(template_to_proto(
            saved.template_id,
            &saved.display_name,
            &questions,
            false,
        )),
    })
}

pub(crate) async fn get_survey_template(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::GetSurveyTemplateRequest,
) -> ApiResult<pb::GetSurveyTemplateResponse> {
    let id = req.id;
    let id = required_id("id", &id)?;
    let (name, questions) = template(api, ctx.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("survey template {id}")))?;
    Ok(pb::GetSurveyTemplateResponse {
        template: Some(template_to_proto(id, &name, &questions, id == BUILT_IN_TEMPLATE)),
    })
}

pub(crate) async fn get_campaign(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::GetCampaignRequest,
) -> ApiResult<pb::GetCampaignResponse> {
    let id = req.id;
    let id = required_id("id", &id)?;
    roll_over(api, ctx).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let c = store::campaign(&mut tx, ctx.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("campaign {id}")))?;
    tx.commit().await?;
    Ok(pb::GetCampaignResponse {
        campaign: Some(campaign_to_proto(&c, Utc::now())),
    })
}

pub(crate) async fn list_campaigns(
    api: &SurveyApi,
    ctx: &Ctx,
    _: pb::ListCampaignsRequest,
) -> ApiResult<pb::ListCampaignsResponse> {
    ctx.require(
        &[AccessRole::Admin, AccessRole::Manager, AccessRole::Integration],
        "list survey campaigns",
    )?;
    roll_over(api, ctx).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let all = store::campaigns(&mut tx, ctx.tenant_id).await?;
    tx.commit().await?;
    let now = Utc::now();
    Ok(pb::ListCampaignsResponse {
        campaigns: all.iter().map(|c| campaign_to_proto(c, now)).collect(),
    })
}

pub(crate) async fn close_campaign(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::CloseCampaignRequest,
) -> ApiResult<pb::CloseCampaignResponse> {
    let id = req.id;
    let id = required_id("id", &id)?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
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
    Ok(pb::CloseCampaignResponse {
        campaign: Some(campaign_to_proto(&c, Utc::now())),
    })
}

pub(crate) async fn get_survey_settings(
    api: &SurveyApi,
    ctx: &Ctx,
    _: pb::GetSurveySettingsRequest,
) -> ApiResult<pb::GetSurveySettingsResponse> {
    Ok(pb::GetSurveySettingsResponse {
        settings: Some(pb::SurveySettings {
            min_responses: min_responses(api, ctx.tenant_id).await? as i32,
        }),
    })
}

pub(crate) async fn update_survey_settings(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::UpdateSurveySettingsRequest,
) -> ApiResult<pb::UpdateSurveySettingsResponse> {
    let s = req.settings.unwrap_or_default();
    ctx.require(&[AccessRole::Admin], "change survey settings")?;
    let mut v = Violations::new();
    survey::check_k(&mut v, "settings.min_responses", s.min_responses);
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    store::set_min_responses(&mut tx, ctx.tenant_id, s.min_responses).await?;
    tx.commit().await?;
    Ok(pb::UpdateSurveySettingsResponse {
        settings: Some(pb::SurveySettings {
            min_responses: s.min_responses,
        }),
    })
}
