//! `attain.coaching.v1.SurveyService`: survey templates, campaigns, anonymous responses and
//! k-anonymous results.

use attain_domain::{
    Violations,
    org::{AccessRole, check_name},
    survey::{self, Question},
};
use attain_proto::coaching::v1::{self as pb, survey_service_server::SurveyService};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant};
use chrono::Utc;
use sqlx::types::Json;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::survey_convert::{question, stored, template_to_proto};
use crate::store::surveys::{self as store, TemplateRecord};

use super::survey_api::{
    BUILT_IN_TEMPLATE, SurveyApi, min_responses, questions_from_proto, required_id, roll_over, template,
};
use super::survey_convert::campaign_to_proto;

fn respond<T>(result: ApiResult<T>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

fn who<T>(req: &Request<T>) -> Result<Ctx, Status> {
    Ok(Ctx::of(req)?)
}

#[tonic::async_trait]
impl SurveyService for SurveyApi {
    async fn list_survey_templates(
        &self,
        req: Request<pb::ListSurveyTemplatesRequest>,
    ) -> Result<Response<pb::ListSurveyTemplatesResponse>, Status> {
        let ctx = who(&req)?;
        respond(
            async {
                let (name, questions) = survey::coaching_quality_template();
                let mut out = vec![template_to_proto(BUILT_IN_TEMPLATE, name, &questions, true)];
                let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
                let own: Vec<TemplateRecord> = store::templates(&mut tx, ctx.tenant_id).await?;
                tx.commit().await?;
                out.extend(own.iter().map(|t| {
                    let qs: Vec<Question> = t.questions.0.iter().map(question).collect();
                    template_to_proto(t.template_id, &t.display_name, &qs, false)
                }));
                Ok(pb::ListSurveyTemplatesResponse { templates: out })
            }
            .await,
        )
    }

    async fn create_survey_template(
        &self,
        req: Request<pb::CreateSurveyTemplateRequest>,
    ) -> Result<Response<pb::CreateSurveyTemplateResponse>, Status> {
        let ctx = who(&req)?;
        let t = req.into_inner().template.unwrap_or_default();
        respond(
            async {
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
                let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
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
            .await,
        )
    }

    async fn get_survey_template(
        &self,
        req: Request<pb::GetSurveyTemplateRequest>,
    ) -> Result<Response<pb::GetSurveyTemplateResponse>, Status> {
        let ctx = who(&req)?;
        let id = req.into_inner().id;
        respond(
            async {
                let id = required_id("id", &id)?;
                let (name, questions) = template(self, ctx.tenant_id, id)
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("survey template {id}")))?;
                Ok(pb::GetSurveyTemplateResponse {
                    template: Some(template_to_proto(id, &name, &questions, id == BUILT_IN_TEMPLATE)),
                })
            }
            .await,
        )
    }

    async fn create_campaign(
        &self,
        req: Request<pb::CreateCampaignRequest>,
    ) -> Result<Response<pb::CreateCampaignResponse>, Status> {
        let ctx = who(&req)?;
        let c = req.into_inner().campaign.unwrap_or_default();
        respond(super::survey_ops::create_campaign(self, &ctx, c).await)
    }

    async fn get_campaign(
        &self,
        req: Request<pb::GetCampaignRequest>,
    ) -> Result<Response<pb::GetCampaignResponse>, Status> {
        let ctx = who(&req)?;
        let id = req.into_inner().id;
        respond(
            async {
                let id = required_id("id", &id)?;
                roll_over(self, &ctx).await?;
                let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
                let c = store::campaign(&mut tx, ctx.tenant_id, id)
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("campaign {id}")))?;
                tx.commit().await?;
                Ok(pb::GetCampaignResponse {
                    campaign: Some(campaign_to_proto(&c, Utc::now())),
                })
            }
            .await,
        )
    }

    async fn list_campaigns(
        &self,
        req: Request<pb::ListCampaignsRequest>,
    ) -> Result<Response<pb::ListCampaignsResponse>, Status> {
        let ctx = who(&req)?;
        respond(
            async {
                ctx.require(
                    &[AccessRole::Admin, AccessRole::Manager, AccessRole::Integration],
                    "list survey campaigns",
                )?;
                roll_over(self, &ctx).await?;
                let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
                let all = store::campaigns(&mut tx, ctx.tenant_id).await?;
                tx.commit().await?;
                let now = Utc::now();
                Ok(pb::ListCampaignsResponse {
                    campaigns: all.iter().map(|c| campaign_to_proto(c, now)).collect(),
                })
            }
            .await,
        )
    }

    async fn close_campaign(
        &self,
        req: Request<pb::CloseCampaignRequest>,
    ) -> Result<Response<pb::CloseCampaignResponse>, Status> {
        let ctx = who(&req)?;
        let id = req.into_inner().id;
        respond(
            async {
                let id = required_id("id", &id)?;
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
                Ok(pb::CloseCampaignResponse {
                    campaign: Some(campaign_to_proto(&c, Utc::now())),
                })
            }
            .await,
        )
    }

    async fn list_my_invitations(
        &self,
        req: Request<pb::ListMyInvitationsRequest>,
    ) -> Result<Response<pb::ListMyInvitationsResponse>, Status> {
        let ctx = who(&req)?;
        respond(super::survey_ops::my_invitations(self, &ctx).await)
    }

    async fn submit_response(
        &self,
        req: Request<pb::SubmitResponseRequest>,
    ) -> Result<Response<pb::SubmitResponseResponse>, Status> {
        let ctx = who(&req)?;
        respond(super::survey_ops::submit(self, &ctx, req.into_inner()).await)
    }

    async fn list_pending_respondents(
        &self,
        req: Request<pb::ListPendingRespondentsRequest>,
    ) -> Result<Response<pb::ListPendingRespondentsResponse>, Status> {
        let ctx = who(&req)?;
        respond(super::survey_ops::pending(self, &ctx, req.into_inner()).await)
    }

    async fn get_survey_results(
        &self,
        req: Request<pb::GetSurveyResultsRequest>,
    ) -> Result<Response<pb::GetSurveyResultsResponse>, Status> {
        let ctx = who(&req)?;
        respond(super::survey_ops::results(self, &ctx, req.into_inner()).await)
    }

    async fn get_survey_settings(
        &self,
        req: Request<pb::GetSurveySettingsRequest>,
    ) -> Result<Response<pb::GetSurveySettingsResponse>, Status> {
        let ctx = who(&req)?;
        respond(
            async {
                Ok(pb::GetSurveySettingsResponse {
                    settings: Some(pb::SurveySettings {
                        min_responses: min_responses(self, ctx.tenant_id).await? as i32,
                    }),
                })
            }
            .await,
        )
    }

    async fn update_survey_settings(
        &self,
        req: Request<pb::UpdateSurveySettingsRequest>,
    ) -> Result<Response<pb::UpdateSurveySettingsResponse>, Status> {
        let ctx = who(&req)?;
        let s = req.into_inner().settings.unwrap_or_default();
        respond(
            async {
                ctx.require(&[AccessRole::Admin], "change survey settings")?;
                let mut v = Violations::new();
                survey::check_k(&mut v, "settings.min_responses", s.min_responses);
                v.into_result(())?;
                let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
                store::set_min_responses(&mut tx, ctx.tenant_id, s.min_responses).await?;
                tx.commit().await?;
                Ok(pb::UpdateSurveySettingsResponse {
                    settings: Some(pb::SurveySettings {
                        min_responses: s.min_responses,
                    }),
                })
            }
            .await,
        )
    }
}
