//! Praise: a manager or a peer recognises a colleague, in public (their team sees it and the
//! webhook subscribers of `praise.given` hear of it) or in private. The milestone detector counts
//! each praise as the recipient's `praise_received` metric (`milestones/detect.rs`).

use attain_domain::{org::AccessRole, webhook::EventType};
use attain_runtime::{
    ApiError, ApiResult, Ctx,
    db::begin_tenant,
    paging::{Listed, Page},
};
use uuid::Uuid;

use super::ScorecardApi;
use crate::{
    scorecards::praise_store::{self as store, PraiseRecord},
    webhooks::{MilestoneEvent, enqueue},
};

/// Praise to give, its fields checked.
pub struct NewPraise {
    pub recipient_id: Uuid,
    /// 1 to 40 characters of a-z, 0-9 and _.
    pub category: String,
    pub message: String,
    pub private: bool,
}

/// Which praise to list: newest first, before the id of the page token.
pub struct PraiseQuery {
    /// Only praise received by this person.
    pub recipient_id: Option<Uuid>,
    pub page: Page,
    pub before: Option<Uuid>,
}

impl ScorecardApi {
    /// The fields are checked before the caller (the wire side decodes them first).
    pub async fn give_praise(&self, ctx: &Ctx, p: NewPraise) -> ApiResult<PraiseRecord> {
        let recipient = p.recipient_id;
        // Praise comes from a person: a key or token of someone in the directory.
        let giver = ctx.person_id.ok_or_else(|| {
            ApiError::PermissionDenied(
                "praise is given by a person: use a key or token of someone in the directory".into(),
            )
        })?;
        if giver == recipient {
            return Err(ApiError::invalid(
                "praise.recipient_id",
                "is the giver: praise someone else",
            ));
        }
        let view = self.view(ctx).await?;
        // A peer may praise anyone of the tenant, whether or not they may read their numbers; an id
        // of another tenant, or of someone who left, is not found.
        let person = view
            .directory
            .person(recipient)
            .filter(|p| !p.has_left())
            .ok_or_else(|| ApiError::not_found(format!("person {recipient}")))?;
        let team_path: Vec<Uuid> = person
            .team_id
            .map(|t| view.directory.ancestors(t).into_iter().map(|(id, _)| id).collect())
            .unwrap_or_default();
        let giver_name = view
            .directory
            .person(giver)
            .map_or_else(|| "Someone".to_string(), |g| g.display_name.clone());
        let record = PraiseRecord {
            praise_id: Uuid::now_v7(),
            giver_id: giver,
            recipient_id: recipient,
            category: p.category,
            message: p.message,
            private: p.private,
            created_at: chrono::Utc::now(),
        };
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let saved = store::insert(&mut tx, tenant, &record).await?;
        // Public praise goes out like a milestone, in the same transaction: stored and announced
        // together or not at all. Private praise is never announced.
        if !saved.private {
            let mut event = MilestoneEvent::new(
                EventType::PraiseGiven,
                format!(
                    "{giver_name} praised {} for {}: {}",
                    person.display_name,
                    saved.category.replace('_', " "),
                    saved.message
                ),
                Some(recipient),
                team_path,
            );
            event.id = saved.praise_id;
            event.data = serde_json::json!({
                "giver_id": giver.to_string(), "recipient_id": recipient.to_string(),
                "category": saved.category, "message": saved.message,
            });
            enqueue(&mut tx, tenant, &event).await?;
        }
        tx.commit().await?;
        Ok(saved)
    }

    /// The fields are checked before the caller (the wire side decodes them first).
    pub async fn list_praise(&self, ctx: &Ctx, query: PraiseQuery) -> ApiResult<Listed<PraiseRecord>> {
        let PraiseQuery {
            recipient_id: only,
            page,
            before,
        } = query;
        let view = self.view(ctx).await?;
        let all = view.scope.all;
        // Public praise of whom: everyone for ADMIN and INTEGRATION; else the people the caller
        // sees and the members of their own team (a rep sees their teammates' praise).
        let recipients: Option<Vec<Uuid>> = if all {
            None
        } else {
            let me = ctx.person_id.and_then(|p| view.directory.person(p));
            let own_team = me.and_then(|p| p.team_id);
            let mut ids: Vec<Uuid> = view
                .directory
                .people()
                .iter()
                .filter(|p| view.visible_person(p.person_id).is_some() || (own_team.is_some() && p.team_id == own_team))
                .map(|p| p.person_id)
                .collect();
            ids.sort_unstable();
            Some(ids)
        };
        if let Some(id) = only
            && view.directory.person(id).is_none()
        {
            return Err(ApiError::not_found(format!("person {id}")));
        }
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let filter = store::Filter {
            recipients: recipients.as_deref(),
            me: ctx.person_id,
            all_private: ctx.role == AccessRole::Admin,
            only_recipient: only,
        };
        let rows = store::list(&mut tx, tenant, &filter, before, page.fetch_limit()).await?;
        tx.commit().await?;
        Ok(page.list(rows, |r| r.praise_id.to_string()))
    }
}
