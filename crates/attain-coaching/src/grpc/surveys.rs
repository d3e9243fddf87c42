//! Survey templates, reading and closing campaigns, and the survey settings on the wire.

use attain_domain::{
    Violations,
    org::check_name,
    survey::{self, Question, QuestionType},
};
use attain_proto::coaching::v1 as pb;
use attain_runtime::{ApiResult, Ctx, enums::from_wire};
use chrono::Utc;

use super::{fields::required_id, survey_encode as encode};
use crate::app::{
    SurveyApi,
    surveys::{NewSurveyTemplate, SurveySettings},
};

fn questions(v: &mut Violations, qs: &[pb::Question]) -> Vec<Question> {
    qs.iter()
        .enumerate()
        .map(|(i, q)| {
            let kind = from_wire::<QuestionType>(q.r#type);
            if kind.is_none() {
                v.add(
                    format!("template.questions[{i}].type"),
                    "must be one of the QUESTION_TYPE_ values other than UNSPECIFIED",
                );
            }
            Question {
                id: q.id.clone(),
                text: q.text.clone(),
                kind: kind.unwrap_or(QuestionType::FreeText),
                options: q.options.clone(),
                required: q.required,
            }
        })
        .collect()
}

pub async fn list_survey_templates(
    api: &SurveyApi,
    ctx: &Ctx,
    _: pb::ListSurveyTemplatesRequest,
) -> ApiResult<pb::ListSurveyTemplatesResponse> {
    let templates = api.list_survey_templates(ctx).await?;
    Ok(pb::ListSurveyTemplatesResponse {
        templates: templates.iter().map(encode::template).collect(),
    })
}

fn new_template(req: pb::CreateSurveyTemplateRequest) -> ApiResult<NewSurveyTemplate> {
    let t = req.template.unwrap_or_default();
    let mut v = Violations::new();
    check_name(&mut v, "template.display_name", &t.display_name);
    let questions = questions(&mut v, &t.questions);
    v.extend_prefixed("template", survey::check_questions(&questions));
    Ok(v.into_result(NewSurveyTemplate {
        display_name: t.display_name,
        questions,
    })?)
}

pub async fn create_survey_template(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::CreateSurveyTemplateRequest,
) -> ApiResult<pb::CreateSurveyTemplateResponse> {
    let t = api.create_survey_template(ctx, new_template(req).into()).await?;
    Ok(pb::CreateSurveyTemplateResponse {
        template: Some(encode::template(&t)),
    })
}

pub async fn get_survey_template(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::GetSurveyTemplateRequest,
) -> ApiResult<pb::GetSurveyTemplateResponse> {
    let id = required_id("id", &req.id)?;
    let t = api.get_survey_template(ctx, id).await?;
    Ok(pb::GetSurveyTemplateResponse {
        template: Some(encode::template(&t)),
    })
}

pub async fn get_campaign(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::GetCampaignRequest,
) -> ApiResult<pb::GetCampaignResponse> {
    let id = required_id("id", &req.id)?;
    let c = api.get_campaign(ctx, id).await?;
    Ok(pb::GetCampaignResponse {
        campaign: Some(encode::campaign(&c, Utc::now())),
    })
}

pub async fn list_campaigns(
    api: &SurveyApi,
    ctx: &Ctx,
    _: pb::ListCampaignsRequest,
) -> ApiResult<pb::ListCampaignsResponse> {
    let all = api.list_campaigns(ctx).await?;
    let now = Utc::now();
    Ok(pb::ListCampaignsResponse {
        campaigns: all.iter().map(|c| encode::campaign(c, now)).collect(),
    })
}

pub async fn close_campaign(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::CloseCampaignRequest,
) -> ApiResult<pb::CloseCampaignResponse> {
    let id = required_id("id", &req.id)?;
    let c = api.close_campaign(ctx, id).await?;
    Ok(pb::CloseCampaignResponse {
        campaign: Some(encode::campaign(&c, Utc::now())),
    })
}

pub async fn get_survey_settings(
    api: &SurveyApi,
    ctx: &Ctx,
    _: pb::GetSurveySettingsRequest,
) -> ApiResult<pb::GetSurveySettingsResponse> {
    let s = api.get_survey_settings(ctx).await?;
    Ok(pb::GetSurveySettingsResponse {
        settings: Some(pb::SurveySettings {
            min_responses: s.min_responses,
        }),
    })
}

fn settings(req: pb::UpdateSurveySettingsRequest) -> ApiResult<SurveySettings> {
    let s = req.settings.unwrap_or_default();
    let mut v = Violations::new();
    survey::check_k(&mut v, "settings.min_responses", s.min_responses);
    Ok(v.into_result(SurveySettings {
        min_responses: s.min_responses,
    })?)
}

pub async fn update_survey_settings(
    api: &SurveyApi,
    ctx: &Ctx,
    req: pb::UpdateSurveySettingsRequest,
) -> ApiResult<pb::UpdateSurveySettingsResponse> {
    let s = api.update_survey_settings(ctx, settings(req).into()).await?;
    Ok(pb::UpdateSurveySettingsResponse {
        settings: Some(pb::SurveySettings {
            min_responses: s.min_responses,
        }),
    })
}
