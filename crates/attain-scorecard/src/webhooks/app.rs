//! What each `attain.webhooks.v1.WebhookService` RPC does: one use case each, a method of
//! [`WebhookApi`] taking the request context and typed input (decoded by `grpc.rs`) and
//! returning records. Only ADMIN credentials may use it: a subscription sends the whole tenant's
//! milestones to an outside system.

use std::sync::Arc;

use attain_domain::{
    Violations,
    org::AccessRole,
    webhook::{DeliveryState, EventType},
};
use attain_runtime::{
    ApiError, ApiResult, Ctx, convert,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
    tenant_directory::TenantDirectories,
};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    message,
    store::{self, DeliveryRecord, MilestoneEvent, SubscriptionFields, SubscriptionRecord},
};

#[derive(Clone)]
pub struct WebhookApi {
    pool: PgPool,
    allow_private: bool,
    directory: Arc<TenantDirectories>,
}

/// A CreateSubscription request, checked.
pub struct NewSubscription {
    pub request_id: Option<Uuid>,
    pub fields: SubscriptionFields,
}

/// The subscription a request makes of a stored one, or what is wrong with it.
pub type ApplyUpdate = Box<dyn FnOnce(&SubscriptionRecord) -> Result<SubscriptionFields, Violations> + Send>;

/// An UpdateSubscription request: which subscription, the revision the caller read, the team
/// it moves to (when the mask names `team_id`: `Some(None)` for a malformed or cleared id), and
/// the change as a function of the stored subscription. The subscription it makes is checked
/// as a whole, so an update cannot leave it invalid.
pub struct SubscriptionUpdate {
    pub id: Uuid,
    pub revision: Option<i64>,
    pub new_team: Option<Option<Uuid>>,
    pub apply: ApplyUpdate,
}

/// Which deliveries to list: of one subscription or all, in one state or any, newest first.
pub struct DeliveryQuery {
    pub subscription_id: Option<Uuid>,
    pub state: Option<DeliveryState>,
    pub page: Page,
    pub before: Option<Uuid>,
}

fn admin(ctx: &Ctx) -> ApiResult<()> {
    ctx.require(&[AccessRole::Admin], "manage webhooks")
}

impl WebhookApi {
    /// `allow_private`: whether subscription URLs may point at private addresses.
    pub fn new(pool: PgPool, allow_private: bool, directory: Arc<TenantDirectories>) -> Self {
        Self {
            pool,
            allow_private,
            directory,
        }
    }

    /// Whether subscription URLs may point at private addresses (a deployment's choice).
    pub fn allows_private_urls(&self) -> bool {
        self.allow_private
    }

    /// NOT_FOUND unless the team exists in the caller's tenant (asked of the org directory
    /// before any transaction begins).
    async fn check_team(&self, ctx: &Ctx, team: Option<Uuid>) -> ApiResult<()> {
        let Some(team) = team else {
            return Ok(());
        };
        if self.directory.view(ctx).await?.team_exists(team) {
            Ok(())
        } else {
            Err(ApiError::not_found(format!("team {team}")))
        }
    }

    /// A subscription and its signing secret; a retried request (same `request_id`) gets the
    /// first one.
    pub async fn create_subscription(
        &self,
        ctx: &Ctx,
        input: Decoded<NewSubscription>,
    ) -> ApiResult<SubscriptionRecord> {
        admin(ctx)?;
        let NewSubscription { request_id, fields } = input.get()?;
        self.check_team(ctx, fields.team_id).await?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let existing = match request_id {
            Some(id) => store::subscription_by_request(&mut tx, tenant, id).await?,
            None => None,
        };
        let record = match existing {
            Some(record) => record,
            None => store::insert_subscription(&mut tx, tenant, &fields, &message::new_secret(), request_id).await?,
        };
        tx.commit().await?;
        Ok(record)
    }

    pub async fn get_subscription(&self, ctx: &Ctx, id: Decoded<Uuid>) -> ApiResult<SubscriptionRecord> {
        admin(ctx)?;
        let id = id.get()?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let record = store::get_subscription(&mut tx, ctx.tenant_id, id, false)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("subscription {id}")))?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn list_subscriptions(
        &self,
        ctx: &Ctx,
        page: Decoded<(Page, Option<Uuid>)>,
    ) -> ApiResult<Listed<SubscriptionRecord>> {
        admin(ctx)?;
        let (page, after) = page.get()?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let records = store::list_subscriptions(&mut tx, ctx.tenant_id, after, page.fetch_limit()).await?;
        tx.commit().await?;
        Ok(page.list(records, |r| r.subscription_id.to_string()))
    }

    pub async fn update_subscription(
        &self,
        ctx: &Ctx,
        update: Decoded<SubscriptionUpdate>,
    ) -> ApiResult<SubscriptionRecord> {
        admin(ctx)?;
        let update = update.get()?;
        let id = update.id;
        // A new team is checked now; a kept one was checked when it was set (teams are never
        // deleted). A malformed id is refused with the rest of the input below.
        if let Some(team) = update.new_team {
            self.check_team(ctx, team).await?;
        }
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let record = store::get_subscription(&mut tx, tenant, id, true)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("subscription {id}")))?;
        convert::check_revision(update.revision, record.revision, "subscription")?;
        let fields = (update.apply)(&record)?;
        let saved = store::save_subscription(&mut tx, tenant, id, &fields).await?;
        tx.commit().await?;
        Ok(saved)
    }

    pub async fn delete_subscription(&self, ctx: &Ctx, id: Decoded<Uuid>) -> ApiResult<()> {
        admin(ctx)?;
        let id = id.get()?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        if !store::delete_subscription(&mut tx, ctx.tenant_id, id).await? {
            return Err(ApiError::not_found(format!("subscription {id}")));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Queues a test event to a subscription, as its own delivery.
    pub async fn test_webhook(&self, ctx: &Ctx, subscription: Decoded<Uuid>) -> ApiResult<DeliveryRecord> {
        admin(ctx)?;
        let id = subscription.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let sub = store::get_subscription(&mut tx, tenant, id, false)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("subscription {id}")))?;
        let event = MilestoneEvent::new(
            EventType::Test,
            format!("Test from Attain: webhooks to \"{}\" work", sub.display_name),
            None,
            Vec::new(),
        );
        let delivery = store::enqueue_one(&mut tx, tenant, id, sub.quiet_rules(), &event, true).await?;
        let record = store::get_delivery(&mut tx, tenant, delivery)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the delivery just written is gone")))?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn list_deliveries(&self, ctx: &Ctx, query: Decoded<DeliveryQuery>) -> ApiResult<Listed<DeliveryRecord>> {
        admin(ctx)?;
        let q = query.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        if let Some(s) = q.subscription_id
            && store::get_subscription(&mut tx, tenant, s, false).await?.is_none()
        {
            return Err(ApiError::not_found(format!("subscription {s}")));
        }
        let state = q.state.map(DeliveryState::as_str);
        let records = store::list_deliveries(
            &mut tx,
            tenant,
            q.subscription_id,
            state,
            q.before,
            q.page.fetch_limit(),
        )
        .await?;
        tx.commit().await?;
        Ok(q.page.list(records, |r| r.delivery_id.to_string()))
    }

    /// Sends a delivered or dead-lettered delivery again.
    pub async fn redeliver_delivery(&self, ctx: &Ctx, id: Decoded<Uuid>) -> ApiResult<DeliveryRecord> {
        admin(ctx)?;
        let id = id.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let Some(record) = store::redeliver(&mut tx, tenant, id).await? else {
            return Err(match store::get_delivery(&mut tx, tenant, id).await? {
                None => ApiError::not_found(format!("delivery {id}")),
                Some(_) => ApiError::FailedPrecondition(
                    "the delivery is still pending: it will be attempted again; redeliver a delivered or dead-lettered one".into(),
                ),
            });
        };
        tx.commit().await?;
        Ok(record)
    }
}
