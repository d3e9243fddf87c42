//! Praise: a manager or a peer recognises a colleague, in public (their team sees it and the
//! webhook subscribers of `praise.given` hear of it) or in private. The milestone detector counts
//! each praise as the recipient's `praise_received` metric (`milestones/detect.rs`).

use attain_domain::{Violations, org::AccessRole, webhook::EventType};
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, paging::Page};
use uuid::Uuid;

use super::ScorecardApi;
use crate::{
    scorecards::praise_store::{self as store, PraiseRecord},
    webhooks::{MilestoneEvent, enqueue},
};

fn to_proto(r: &PraiseRecord) -> pb::Praise {
    pb::Praise {
        id: r.praise_id.to_string(),
        giver_id: r.giver_id.to_string(),
        recipient_id: r.recipient_id.to_string(),
        category: r.category.clone(),
        message: r.message.clone(),
        private: r.private,
        create_time: Some(convert::timestamp(r.created_at)),
    }
}

fn check_category(v: &mut Violations, category: &str) {
    let ok = (1..=40).contains(&category.len())
        && category
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        v.add(
            "praise.category",
            "1 to 40 characters of a-z, 0-9 and _, e.g. \"teamwork\"",
        );
    }
}

pub async fn give(api: &ScorecardApi, ctx: &Ctx, req: pb::GivePraiseRequest) -> ApiResult<pb::GivePraiseResponse> {
    let p = req.praise.unwrap_or_default();
    let mut v = Violations::new();
    let recipient = convert::required_id(&mut v, "praise.recipient_id", &p.recipient_id);
    check_category(&mut v, &p.category);
    let length = p.message.trim().chars().count();
    if length == 0 || p.message.chars().count() > 1000 || p.message.contains('\0') {
        v.add("praise.message", "1 to 1,000 characters, without NUL");
    }
    let recipient = v
        .into_result(recipient)?
        .ok_or_else(|| ApiError::invalid("praise.recipient_id", "is required"))?;
    // Praise comes from a person: a key or token of someone in the directory.
    let giver = ctx.person_id.ok_or_else(|| {
        ApiError::PermissionDenied("praise is given by a person: use a key or token of someone in the directory".into())
    })?;
    if giver == recipient {
        return Err(ApiError::invalid(
            "praise.recipient_id",
            "is the giver: praise someone else",
        ));
    }
    let view = api.view(ctx).await?;
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
        category: p.category.clone(),
        message: p.message.clone(),
        private: p.private,
        created_at: chrono::Utc::now(),
    };
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
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
    Ok(pb::GivePraiseResponse {
        praise: Some(to_proto(&saved)),
    })
}

pub async fn list(api: &ScorecardApi, ctx: &Ctx, req: pb::ListPraiseRequest) -> ApiResult<pb::ListPraiseResponse> {
    let mut v = Violations::new();
    let only = convert::optional_id(&mut v, "recipient_id", &req.recipient_id);
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    let before = page.after_id(&mut v);
    v.into_result(())?;
    let view = api.view(ctx).await?;
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
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let filter = store::Filter {
        recipients: recipients.as_deref(),
        me: ctx.person_id,
        all_private: ctx.role == AccessRole::Admin,
        only_recipient: only,
    };
    let mut rows = store::list(&mut tx, tenant, &filter, before, page.fetch_limit()).await?;
    tx.commit().await?;
    let next_page_token = page.finish(&mut rows, |r| r.praise_id.to_string());
    Ok(pb::ListPraiseResponse {
        praise: rows.iter().map(to_proto).collect(),
        next_page_token,
    })
}
