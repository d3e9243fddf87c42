//! Process templates, requisitions and the pipeline view.

use std::collections::HashMap;

use attain_domain::{
    Violations,
    hiring::{CandidateStatus, RequisitionReason, RequisitionStatus, process::Stage},
    org::{AccessRole, Motion, SalesRole},
};
use attain_runtime::{
    ApiError, ApiResult, Ctx, convert,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{HiringApi, access::View};
use crate::store::{
    candidates::{self as cand_store, CandidateRecord, MoveRecord},
    requisitions::{self as store, ReqFilter, RequisitionRecord, StoredStage, TemplateRecord},
};

pub fn stages(stored: &[StoredStage]) -> Vec<Stage> {
    stored
        .iter()
        .map(|s| Stage {
            key: s.key.clone(),
            display_name: s.display_name.clone(),
            required: s.required,
            competencies: s.competencies.clone(),
        })
        .collect()
}

/// A process template to create, its stages already checked.
pub struct NewTemplate {
    pub request_id: Option<Uuid>,
    pub display_name: String,
    pub stages: Vec<Stage>,
}

/// A page of a list ordered by id.
pub struct IdPage {
    pub page: Page,
    pub after: Option<Uuid>,
}

/// A requisition to open, its fields checked; the people, team and template it names are
/// checked against the directory and the store by the use case.
pub struct NewRequisition {
    pub request_id: Option<Uuid>,
    pub title: String,
    pub team_id: Uuid,
    pub sales_role: SalesRole,
    pub motion: Motion,
    pub hiring_manager_id: Uuid,
    pub reason: RequisitionReason,
    pub opened_date: NaiveDate,
    pub target_start_date: Option<NaiveDate>,
    pub status: RequisitionStatus,
    pub template_id: Uuid,
}

/// Which requisitions to list.
pub struct RequisitionQuery {
    pub list: IdPage,
    pub hiring_manager_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub status: Option<RequisitionStatus>,
}

/// A status change: OPEN, ON_HOLD or CANCELLED (a requisition is filled by a hire).
pub struct StatusChange {
    pub requisition_id: Uuid,
    pub status: RequisitionStatus,
    /// The revision the caller read; `None` changes whatever is stored.
    pub revision: Option<i64>,
}

/// Whose pipeline: one hiring manager's, one team's, or (both unset) all the caller sees.
pub struct PipelineFilter {
    pub hiring_manager_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
}

/// One open requisition of the pipeline with its active candidates and their moves.
pub struct RequisitionPipeline {
    pub requisition: RequisitionRecord,
    /// The process's stages with how many candidates are at each.
    pub stages: Vec<(StoredStage, usize)>,
    /// Candidates not yet moved to any stage.
    pub unstaged: usize,
    pub candidates: Vec<CandidateRecord>,
    pub moves: Vec<MoveRecord>,
}

impl HiringApi {
    pub async fn create_template(&self, ctx: &Ctx, input: Decoded<NewTemplate>) -> ApiResult<TemplateRecord> {
        ctx.require(&[AccessRole::Admin], "create interview process templates")?;
        let t = input.get()?;
        let stored: Vec<StoredStage> = t
            .stages
            .into_iter()
            .map(|s| StoredStage {
                key: s.key,
                display_name: s.display_name,
                required: s.required,
                competencies: s.competencies,
            })
            .collect();
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let id = store::insert_template(&mut tx, ctx.tenant_id, t.display_name.trim(), &stored, t.request_id).await?;
        let record = store::get_template(&mut tx, ctx.tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("template {id} vanished after insert")))?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn list_templates(&self, ctx: &Ctx, page: Decoded<IdPage>) -> ApiResult<Listed<TemplateRecord>> {
        View::of(self, ctx).await?;
        let IdPage { page, after } = page.get()?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let rows = store::list_templates(&mut tx, ctx.tenant_id, after, page.fetch_limit()).await?;
        tx.commit().await?;
        Ok(page.list(rows, |t| t.template_id.to_string()))
    }

    pub async fn create_requisition(&self, ctx: &Ctx, input: Decoded<NewRequisition>) -> ApiResult<RequisitionRecord> {
        let named: Vec<Uuid> = input.peek().map(|r| r.hiring_manager_id).into_iter().collect();
        let view = View::naming(self, ctx, &named).await?;
        let r = input.get()?;
        // References to other services' records.
        let mut v = Violations::new();
        if !view.sees_person(r.hiring_manager_id) || self.peers.org.person(ctx, r.hiring_manager_id).await?.is_none() {
            v.add(
                "requisition.hiring_manager_id",
                "no person with this id that you may see",
            );
        }
        if self.peers.org.team(ctx, r.team_id).await?.is_none() {
            v.add("requisition.team_id", "no team with this id that you may see");
        }
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        if store::get_template(&mut tx, tenant, r.template_id).await?.is_none() {
            v.add("requisition.process_template_id", "no process template with this id");
        }
        v.into_result(())?;
        let record = RequisitionRecord {
            requisition_id: Uuid::now_v7(),
            title: r.title.trim().to_string(),
            team_id: r.team_id,
            sales_role: r.sales_role,
            motion: r.motion,
            hiring_manager_id: r.hiring_manager_id,
            reason: r.reason,
            opened_date: r.opened_date,
            target_start_date: r.target_start_date,
            status: r.status,
            template_id: r.template_id,
            filled_date: None,
            hired_person_id: None,
            revision: 1,
            created_at: chrono::Utc::now(),
        };
        let id = store::insert_requisition(&mut tx, tenant, &record, r.request_id).await?;
        let stored = store::get_requisition(&mut tx, tenant, id, false).await?;
        let stored = view.see(stored, id)?;
        tx.commit().await?;
        Ok(stored)
    }

    pub async fn get_requisition(&self, ctx: &Ctx, id: Uuid) -> ApiResult<RequisitionRecord> {
        let view = View::of(self, ctx).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let r = view.see(store::get_requisition(&mut tx, ctx.tenant_id, id, false).await?, id)?;
        tx.commit().await?;
        Ok(r)
    }

    pub async fn list_requisitions(
        &self,
        ctx: &Ctx,
        query: Decoded<RequisitionQuery>,
    ) -> ApiResult<Listed<RequisitionRecord>> {
        let view = View::of(self, ctx).await?;
        let q = query.get()?;
        let statuses = q.status.map(|s| vec![s.as_str().to_string()]);
        let teams = q.team_id.map(|t| vec![t]);
        let filter = ReqFilter {
            statuses: statuses.as_deref(),
            hiring_manager: q.hiring_manager_id,
            teams: teams.as_deref(),
            managers: view.managers(),
            visible_teams: view.teams(),
        };
        let page = q.list.page;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let rows = store::list_requisitions(&mut tx, ctx.tenant_id, &filter, q.list.after, page.fetch_limit()).await?;
        tx.commit().await?;
        Ok(page.list(rows, |r| r.requisition_id.to_string()))
    }

    pub async fn set_requisition_status(
        &self,
        ctx: &Ctx,
        change: Decoded<StatusChange>,
    ) -> ApiResult<RequisitionRecord> {
        let view = View::of(self, ctx).await?;
        let StatusChange {
            requisition_id: id,
            status,
            revision,
        } = change.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let r = view.see(store::get_requisition(&mut tx, tenant, id, true).await?, id)?;
        convert::check_revision(revision, r.revision, "requisition")?;
        let current = r.status;
        if current != status {
            if !current.may_become(status) {
                return Err(ApiError::FailedPrecondition(format!(
                    "a {current} requisition stays {current}; open a new requisition instead"
                )));
            }
            store::set_status(&mut tx, tenant, id, status.as_str()).await?;
        }
        let r = view.see(store::get_requisition(&mut tx, tenant, id, false).await?, id)?;
        tx.commit().await?;
        Ok(r)
    }

    /// The open and on-hold requisitions the caller sees, optionally of one hiring manager or
    /// team, each with its active candidates by stage.
    pub async fn pipeline(&self, ctx: &Ctx, filter: Decoded<PipelineFilter>) -> ApiResult<Vec<RequisitionPipeline>> {
        let view = View::of(self, ctx).await?;
        let PipelineFilter {
            hiring_manager_id: manager,
            team_id: team,
        } = filter.get()?;
        let statuses = vec![
            RequisitionStatus::Open.as_str().to_string(),
            RequisitionStatus::OnHold.as_str().to_string(),
        ];
        let teams = team.map(|t| vec![t]);
        let filter = ReqFilter {
            statuses: Some(&statuses),
            hiring_manager: manager,
            teams: teams.as_deref(),
            managers: view.managers(),
            visible_teams: view.teams(),
        };
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let reqs = store::list_requisitions(&mut tx, tenant, &filter, None, 10_000).await?;
        let ids: Vec<Uuid> = reqs.iter().map(|r| r.requisition_id).collect();
        let candidates: Vec<_> = cand_store::list(&mut tx, tenant, &ids, None, 100_000)
            .await?
            .into_iter()
            .filter(|c| c.status == CandidateStatus::Active)
            .collect();
        let cand_ids: Vec<Uuid> = candidates.iter().map(|c| c.candidate_id).collect();
        let moves = cand_store::moves(&mut tx, tenant, &cand_ids).await?;
        let mut templates = HashMap::new();
        for r in &reqs {
            if !templates.contains_key(&r.template_id)
                && let Some(t) = store::get_template(&mut tx, tenant, r.template_id).await?
            {
                templates.insert(r.template_id, t);
            }
        }
        tx.commit().await?;
        Ok(reqs
            .into_iter()
            .map(|r| {
                let mine: Vec<CandidateRecord> = candidates
                    .iter()
                    .filter(|c| c.requisition_id == r.requisition_id)
                    .cloned()
                    .collect();
                let stages = templates
                    .get(&r.template_id)
                    .map(|t| {
                        t.stages
                            .0
                            .iter()
                            .map(|s| {
                                let at = mine.iter().filter(|c| c.stage.as_deref() == Some(&s.key)).count();
                                (s.clone(), at)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let their_moves = moves
                    .iter()
                    .filter(|m| mine.iter().any(|c| c.candidate_id == m.candidate_id))
                    .cloned()
                    .collect();
                RequisitionPipeline {
                    requisition: r,
                    stages,
                    unstaged: mine.iter().filter(|c| c.stage.is_none()).count(),
                    candidates: mine,
                    moves: their_moves,
                }
            })
            .collect())
    }
}
