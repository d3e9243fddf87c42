//! `attain.webhooks.v1.WebhookService` on the wire: each RPC's request decoded into the typed
//! input of one use case of [`WebhookApi`] (`app.rs`), and its answer encoded. Only the server
//! assembly reaches this module, through `into_server`.

use attain_domain::{
    Violations,
    org::check_name,
    webhook::{DeliveryState, EventType, Format, MAX_DIGEST_SECONDS, MAX_HOURLY_CAP},
};
use attain_proto::webhooks::v1::{self as pb, webhook_service_server::WebhookService};

use attain_runtime::enums::{from_wire, to_wire};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, paging::Page};
use uuid::Uuid;

use super::{
    app::{DeliveryQuery, NewSubscription, SubscriptionUpdate, WebhookApi},
    message,
    store::{DeliveryRecord, MilestoneEvent, SubscriptionFields, SubscriptionRecord},
    target,
};

const UPDATABLE: &[&str] = &["display_name", "url", "event_types", "team_id", "format", "quiet_rules"];

impl WebhookApi {
    pub fn into_server(self, max_message_bytes: usize) -> pb::webhook_service_server::WebhookServiceServer<WebhookApi> {
        pb::webhook_service_server::WebhookServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

/// A delivery state to filter by; unset filters nothing, and a value this build does not know
/// is refused.
fn state_from_proto(v: &mut Violations, value: i32) -> Option<DeliveryState> {
    let state = from_wire::<DeliveryState>(value);
    if state.is_none() && value != 0 {
        v.add("state", "is not a known DELIVERY_STATE_ value");
    }
    state
}

/// Checks a whole subscription message; field names start with `subscription.`.
fn check(v: &mut Violations, s: &pb::Subscription, allow_private: bool) -> SubscriptionFields {
    check_name(v, "subscription.display_name", &s.display_name);
    // Stored as normalised, so that what is checked is what is sent to.
    let url = match target::check_url(&s.url, allow_private) {
        Ok(t) => t.url,
        Err(e) => {
            v.add("subscription.url", e);
            String::new()
        }
    };
    let mut event_types: Vec<String> = Vec::new();
    if s.event_types.is_empty() {
        v.add(
            "subscription.event_types",
            "name at least one, e.g. \"milestone.quota_attained\"",
        );
    }
    for (i, t) in s.event_types.iter().enumerate() {
        match EventType::parse(t) {
            Some(_) if !event_types.contains(t) => event_types.push(t.clone()),
            Some(_) => {}
            None => v.add(
                format!("subscription.event_types[{i}]"),
                format!(
                    "\"{}\" is not an event type; known: {}",
                    t.escape_debug(),
                    EventType::ALL.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
                ),
            ),
        }
    }
    let team_id = convert::optional_id(v, "subscription.team_id", &s.team_id);
    let format = from_wire::<Format>(s.format);
    if format.is_none() {
        v.add(
            "subscription.format",
            "is required: FORMAT_JSON, FORMAT_SLACK or FORMAT_TEAMS",
        );
    }
    let rules = s.quiet_rules.unwrap_or_default();
    if !(0..=MAX_HOURLY_CAP).contains(&i64::from(rules.hourly_cap)) {
        v.add(
            "subscription.quiet_rules.hourly_cap",
            format!("must be from 0 (no cap) to {MAX_HOURLY_CAP}"),
        );
    }
    if !(0..=MAX_DIGEST_SECONDS).contains(&i64::from(rules.digest_window_seconds)) {
        v.add(
            "subscription.quiet_rules.digest_window_seconds",
            format!("must be from 0 (no digest) to {MAX_DIGEST_SECONDS}"),
        );
    }
    SubscriptionFields {
        display_name: s.display_name.clone(),
        url,
        event_types,
        team_id,
        format: format.unwrap_or(Format::Json),
        hourly_cap: rules.hourly_cap,
        digest_seconds: rules.digest_window_seconds,
    }
}

fn subscription(r: &SubscriptionRecord) -> pb::Subscription {
    pb::Subscription {
        id: r.subscription_id.to_string(),
        display_name: r.display_name.clone(),
        url: r.url.clone(),
        event_types: r.event_types.clone(),
        team_id: r.team_id.map(|t| t.to_string()).unwrap_or_default(),
        format: to_wire(r.format),
        quiet_rules: Some(pb::QuietRules {
            hourly_cap: r.hourly_cap,
            digest_window_seconds: r.digest_seconds,
        }),
        create_time: Some(convert::timestamp(r.created_at)),
        update_time: Some(convert::timestamp(r.updated_at)),
        etag: convert::etag(r.revision),
    }
}

fn event_to_proto(e: &MilestoneEvent) -> pb::DeliveryEvent {
    pb::DeliveryEvent {
        id: e.id.to_string(),
        r#type: e.event_type.clone(),
        title: e.title.clone(),
        person_id: e.person_id.map(|p| p.to_string()).unwrap_or_default(),
        time: Some(convert::timestamp(e.time)),
    }
}

fn delivery_to_proto(d: &DeliveryRecord) -> pb::Delivery {
    pb::Delivery {
        id: d.delivery_id.to_string(),
        subscription_id: d.subscription_id.to_string(),
        state: to_wire(d.state),
        event_type: message::event_type(&d.events.0).to_string(),
        events: d.events.0.iter().map(event_to_proto).collect(),
        attempts: d.attempts,
        last_error: d.last_error.clone(),
        last_status_code: d.last_status,
        next_attempt_time: (d.state == DeliveryState::Pending).then(|| convert::timestamp(d.due_at)),
        deliver_time: d.delivered_at.map(convert::timestamp),
        create_time: Some(convert::timestamp(d.created_at)),
    }
}

fn required_id(field: &str, text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, field, text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid(field, "is required"))
}

fn new_subscription(api: &WebhookApi, req: pb::CreateSubscriptionRequest) -> ApiResult<NewSubscription> {
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let fields = check(&mut v, &req.subscription.unwrap_or_default(), api.allows_private_urls());
    Ok(v.into_result(NewSubscription { request_id, fields })?)
}

fn page(ctx: &Ctx, req: &pb::ListSubscriptionsRequest) -> ApiResult<(Page, Option<Uuid>)> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, req);
    let after = page.after_id(&mut v);
    Ok(v.into_result((page, after))?)
}

fn subscription_update(api: &WebhookApi, req: pb::UpdateSubscriptionRequest) -> ApiResult<SubscriptionUpdate> {
    let mut v = Violations::new();
    let input = req.subscription.unwrap_or_default();
    let id = convert::required_id(&mut v, "subscription.id", &input.id);
    let revision = convert::parse_etag(&mut v, "subscription.etag", &input.etag);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("subscription.id", "is required"))?;
    let new_team = paths.contains(&"team_id").then(|| Uuid::try_parse(&input.team_id).ok());
    let allow_private = api.allows_private_urls();
    let apply = move |record: &SubscriptionRecord| {
        let mut merged = subscription(record);
        for path in &paths {
            match *path {
                "display_name" => merged.display_name = input.display_name.clone(),
                "url" => merged.url = input.url.clone(),
                "event_types" => merged.event_types = input.event_types.clone(),
                "team_id" => merged.team_id = input.team_id.clone(),
                "format" => merged.format = input.format,
                _ => merged.quiet_rules = input.quiet_rules,
            }
        }
        let mut v = Violations::new();
        let fields = check(&mut v, &merged, allow_private);
        v.into_result(fields)
    };
    Ok(SubscriptionUpdate {
        id,
        revision,
        new_team,
        apply: Box::new(apply),
    })
}

fn delivery_query(ctx: &Ctx, req: &pb::ListDeliveriesRequest) -> ApiResult<DeliveryQuery> {
    let mut v = Violations::new();
    let subscription_id = convert::optional_id(&mut v, "subscription_id", &req.subscription_id);
    let state = state_from_proto(&mut v, req.state);
    let page = Page::of(&mut v, ctx.tenant_id, req);
    let before = page.after_id(&mut v);
    Ok(v.into_result(DeliveryQuery {
        subscription_id,
        state,
        page,
        before,
    })?)
}

impl WebhookApi {
    async fn create(&self, ctx: &Ctx, req: pb::CreateSubscriptionRequest) -> ApiResult<pb::CreateSubscriptionResponse> {
        let record = self
            .create_subscription(ctx, new_subscription(self, req).into())
            .await?;
        Ok(pb::CreateSubscriptionResponse {
            subscription: Some(subscription(&record)),
            secret: record.secret,
        })
    }

    async fn get(&self, ctx: &Ctx, req: pb::GetSubscriptionRequest) -> ApiResult<pb::GetSubscriptionResponse> {
        let record = self.get_subscription(ctx, required_id("id", &req.id).into()).await?;
        Ok(pb::GetSubscriptionResponse {
            subscription: Some(subscription(&record)),
        })
    }

    async fn list(&self, ctx: &Ctx, req: pb::ListSubscriptionsRequest) -> ApiResult<pb::ListSubscriptionsResponse> {
        let listed = self.list_subscriptions(ctx, page(ctx, &req).into()).await?;
        Ok(pb::ListSubscriptionsResponse {
            subscriptions: listed.items.iter().map(subscription).collect(),
            next_page_token: listed.next_page_token,
        })
    }

    async fn update(&self, ctx: &Ctx, req: pb::UpdateSubscriptionRequest) -> ApiResult<pb::UpdateSubscriptionResponse> {
        let saved = self
            .update_subscription(ctx, subscription_update(self, req).into())
            .await?;
        Ok(pb::UpdateSubscriptionResponse {
            subscription: Some(subscription(&saved)),
        })
    }

    async fn delete(&self, ctx: &Ctx, req: pb::DeleteSubscriptionRequest) -> ApiResult<pb::DeleteSubscriptionResponse> {
        self.delete_subscription(ctx, required_id("id", &req.id).into()).await?;
        Ok(pb::DeleteSubscriptionResponse {})
    }

    async fn test(&self, ctx: &Ctx, req: pb::TestWebhookRequest) -> ApiResult<pb::TestWebhookResponse> {
        let id = required_id("subscription_id", &req.subscription_id);
        let record = self.test_webhook(ctx, id.into()).await?;
        Ok(pb::TestWebhookResponse {
            delivery: Some(delivery_to_proto(&record)),
        })
    }

    async fn deliveries(&self, ctx: &Ctx, req: pb::ListDeliveriesRequest) -> ApiResult<pb::ListDeliveriesResponse> {
        let listed = self.list_deliveries(ctx, delivery_query(ctx, &req).into()).await?;
        Ok(pb::ListDeliveriesResponse {
            deliveries: listed.items.iter().map(delivery_to_proto).collect(),
            next_page_token: listed.next_page_token,
        })
    }

    async fn redeliver(
        &self,
        ctx: &Ctx,
        req: pb::RedeliverDeliveryRequest,
    ) -> ApiResult<pb::RedeliverDeliveryResponse> {
        let record = self.redeliver_delivery(ctx, required_id("id", &req.id).into()).await?;
        Ok(pb::RedeliverDeliveryResponse {
            delivery: Some(delivery_to_proto(&record)),
        })
    }
}

attain_runtime::rpcs! {
    WebhookService for WebhookApi {
        create_subscription(pb::CreateSubscriptionRequest) -> pb::CreateSubscriptionResponse => WebhookApi::create;
        get_subscription(pb::GetSubscriptionRequest) -> pb::GetSubscriptionResponse => WebhookApi::get;
        list_subscriptions(pb::ListSubscriptionsRequest) -> pb::ListSubscriptionsResponse => WebhookApi::list;
        update_subscription(pb::UpdateSubscriptionRequest) -> pb::UpdateSubscriptionResponse => WebhookApi::update;
        delete_subscription(pb::DeleteSubscriptionRequest) -> pb::DeleteSubscriptionResponse => WebhookApi::delete;
        test_webhook(pb::TestWebhookRequest) -> pb::TestWebhookResponse => WebhookApi::test;
        list_deliveries(pb::ListDeliveriesRequest) -> pb::ListDeliveriesResponse => WebhookApi::deliveries;
        redeliver_delivery(pb::RedeliverDeliveryRequest) -> pb::RedeliverDeliveryResponse => WebhookApi::redeliver;
    }
}
