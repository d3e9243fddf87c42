//! The subscription API: every RPC with bad input (INVALID_ARGUMENT naming the field) and with
//! another tenant's ids (NOT_FOUND), access by role, and URLs that are refused.

use attain_domain::org::AccessRole;
use attain_proto::{
    org::v1::{CreatePersonRequest, Person, SalesRole},
    webhooks::v1::*,
};
use attain_runtime::config::{ServerArgs, WebhookArgs};
use attain_testing::{TestApp, violated_fields, webhook_args};
use prost_types::FieldMask;
use tonic::Code;

use crate::{Hooks, create, subscription};

const URL: &str = "http://127.0.0.1:9/hook";

struct Two {
    app: TestApp,
    a: Hooks,
    b: Hooks,
    a_sub: Subscription,
}

async fn two_tenants() -> Two {
    let app = TestApp::start().await;
    let ta = app.tenant("Acme").await;
    let tb = app.tenant("Globex").await;
    let mut a = app.webhooks(&ta.admin_key).await;
    let b = app.webhooks(&tb.admin_key).await;
    let (a_sub, _) = create(&mut a, subscription("wins", URL, Format::Json)).await;
    Two { app, a, b, a_sub }
}

fn mask(paths: &[&str]) -> Option<FieldMask> {
    Some(FieldMask {
        paths: paths.iter().map(|p| p.to_string()).collect(),
    })
}

#[tokio::test]
async fn subscriptions_are_created_read_listed_updated_and_deleted() {
    let mut t = two_tenants().await;
    let request_id = uuid::Uuid::now_v7().to_string();
    let create_req = CreateSubscriptionRequest {
        subscription: Some(Subscription {
            event_types: vec!["milestone.streak".into(), "milestone.streak".into()],
            quiet_rules: Some(QuietRules {
                hourly_cap: 5,
                digest_window_seconds: 900,
            }),
            ..subscription("#sales-wins", URL, Format::Slack)
        }),
        request_id: request_id.clone(),
    };
    let first = t.a.create_subscription(create_req.clone()).await.unwrap().into_inner();
    let again = t.a.create_subscription(create_req).await.unwrap().into_inner();
    let s = first.subscription.unwrap();
    assert_eq!(again.subscription.unwrap().id, s.id, "a retried create creates once");
    assert_eq!(again.secret, first.secret);
    assert_eq!(s.event_types, ["milestone.streak"]);
    assert_eq!(s.quiet_rules.unwrap().digest_window_seconds, 900);

    let got =
        t.a.get_subscription(GetSubscriptionRequest { id: s.id.clone() })
            .await
            .unwrap()
            .into_inner();
    assert_eq!(got.subscription.unwrap().display_name, "#sales-wins");
    let listed =
        t.a.list_subscriptions(ListSubscriptionsRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.subscriptions.len(), 1);
    let rest =
        t.a.list_subscriptions(ListSubscriptionsRequest {
            page_size: 1,
            page_token: listed.next_page_token,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.subscriptions.len(), 1);
    assert!(rest.next_page_token.is_empty());

    let updated =
        t.a.update_subscription(UpdateSubscriptionRequest {
            subscription: Some(Subscription {
                id: s.id.clone(),
                etag: s.etag.clone(),
                format: Format::Teams as i32,
                ..Default::default()
            }),
            update_mask: mask(&["format"]),
        })
        .await
        .unwrap()
        .into_inner()
        .subscription
        .unwrap();
    assert_eq!(updated.format, Format::Teams as i32);
    assert_eq!(updated.display_name, "#sales-wins");
    let stale =
        t.a.update_subscription(UpdateSubscriptionRequest {
            subscription: Some(Subscription {
                id: s.id.clone(),
                etag: s.etag.clone(),
                display_name: "late".into(),
                ..Default::default()
            }),
            update_mask: mask(&["display_name"]),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);

    t.a.delete_subscription(DeleteSubscriptionRequest { id: s.id.clone() })
        .await
        .unwrap();
    let gone =
        t.a.get_subscription(GetSubscriptionRequest { id: s.id })
            .await
            .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
}

#[tokio::test]
async fn bad_input_names_the_field_on_every_rpc() {
    let mut t = two_tenants().await;
    let bad =
        t.a.create_subscription(CreateSubscriptionRequest {
            subscription: Some(Subscription {
                display_name: String::new(),
                url: "ftp://example.com/x".into(),
                event_types: vec!["milestone.nope".into()],
                team_id: "not-a-uuid".into(),
                format: 0,
                quiet_rules: Some(QuietRules {
                    hourly_cap: -1,
                    digest_window_seconds: 90_000,
                }),
                ..Default::default()
            }),
            request_id: "nope".into(),
        })
        .await
        .unwrap_err();
    let mut fields = violated_fields(&bad);
    fields.sort();
    assert_eq!(
        fields,
        [
            "request_id",
            "subscription.display_name",
            "subscription.event_types[0]",
            "subscription.format",
            "subscription.quiet_rules.digest_window_seconds",
            "subscription.quiet_rules.hourly_cap",
            "subscription.team_id",
            "subscription.url",
        ]
    );
    let none =
        t.a.create_subscription(CreateSubscriptionRequest {
            subscription: Some(Subscription {
                event_types: vec![],
                ..subscription("x", URL, Format::Json)
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&none), ["subscription.event_types"]);

    let e =
        t.a.get_subscription(GetSubscriptionRequest { id: "x".into() })
            .await
            .unwrap_err();
    assert_eq!(violated_fields(&e), ["id"]);
    let e =
        t.a.list_subscriptions(ListSubscriptionsRequest {
            page_size: -1,
            page_token: "??".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["page_size", "page_token"]);
    let e =
        t.a.update_subscription(UpdateSubscriptionRequest {
            subscription: Some(Subscription {
                id: t.a_sub.id.clone(),
                url: "javascript:alert(1)".into(),
                ..Default::default()
            }),
            update_mask: mask(&["url"]),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["subscription.url"]);
    let e =
        t.a.update_subscription(UpdateSubscriptionRequest {
            subscription: Some(Subscription {
                id: t.a_sub.id.clone(),
                ..Default::default()
            }),
            update_mask: mask(&["secret"]),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["update_mask"]);
    let e =
        t.a.delete_subscription(DeleteSubscriptionRequest { id: String::new() })
            .await
            .unwrap_err();
    assert_eq!(violated_fields(&e), ["id"]);
    let e =
        t.a.test_webhook(TestWebhookRequest {
            subscription_id: "1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["subscription_id"]);
    let e =
        t.a.list_deliveries(ListDeliveriesRequest {
            subscription_id: "x".into(),
            state: 42,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["subscription_id", "state"]);
    let e =
        t.a.redeliver_delivery(RedeliverDeliveryRequest { id: "x".into() })
            .await
            .unwrap_err();
    assert_eq!(violated_fields(&e), ["id"]);
}

#[tokio::test]
async fn another_tenants_ids_are_not_found_on_every_rpc() {
    let mut t = two_tenants().await;
    let id = t.a_sub.id.clone();
    let delivery =
        t.a.test_webhook(TestWebhookRequest {
            subscription_id: id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .delivery
        .unwrap();
    let codes = [
        t.b.get_subscription(GetSubscriptionRequest { id: id.clone() })
            .await
            .unwrap_err()
            .code(),
        t.b.update_subscription(UpdateSubscriptionRequest {
            subscription: Some(Subscription {
                display_name: "mine now".into(),
                ..t.a_sub.clone()
            }),
            update_mask: mask(&["display_name"]),
        })
        .await
        .unwrap_err()
        .code(),
        t.b.delete_subscription(DeleteSubscriptionRequest { id: id.clone() })
            .await
            .unwrap_err()
            .code(),
        t.b.test_webhook(TestWebhookRequest {
            subscription_id: id.clone(),
        })
        .await
        .unwrap_err()
        .code(),
        t.b.list_deliveries(ListDeliveriesRequest {
            subscription_id: id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err()
        .code(),
        t.b.redeliver_delivery(RedeliverDeliveryRequest { id: delivery.id })
            .await
            .unwrap_err()
            .code(),
    ];
    assert!(codes.iter().all(|c| *c == Code::NotFound), "{codes:?}");
    // Lists show nothing of the other tenant; a team of another tenant is not found.
    let listed =
        t.b.list_subscriptions(ListSubscriptionsRequest::default())
            .await
            .unwrap()
            .into_inner();
    assert!(listed.subscriptions.is_empty());
    let all =
        t.b.list_deliveries(ListDeliveriesRequest::default())
            .await
            .unwrap()
            .into_inner();
    assert!(all.deliveries.is_empty());
    let team =
        t.b.create_subscription(CreateSubscriptionRequest {
            subscription: Some(Subscription {
                team_id: uuid::Uuid::now_v7().to_string(),
                ..subscription("x", URL, Format::Json)
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(team.code(), Code::NotFound);
}

#[tokio::test]
async fn only_admins_manage_webhooks() {
    let t = two_tenants().await;
    let tenant = t.app.tenant("Initech").await;
    let mut org = t.app.org(&tenant.admin_key).await;
    let rae = org
        .create_person(CreatePersonRequest {
            person: Some(Person {
                display_name: "Rae".into(),
                sales_role: SalesRole::Sdr as i32,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap()
        .id;
    let rae = uuid::Uuid::parse_str(&rae).unwrap();
    for role in [AccessRole::Integration, AccessRole::Manager, AccessRole::Rep] {
        let person = match role {
            AccessRole::Integration => None,
            _ => Some(rae),
        };
        let key = t.app.api_key(tenant.id, role, person).await;
        let mut hooks = t.app.webhooks(&key).await;
        let e = hooks
            .list_subscriptions(ListSubscriptionsRequest::default())
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{role:?}: {e:?}");
    }
}

#[tokio::test]
async fn link_local_metadata_loopback_and_private_urls_are_refused_unless_allowed() {
    let app = TestApp::start_with_webhooks(
        ServerArgs::default(),
        WebhookArgs {
            allow_private: false,
            ..webhook_args()
        },
    )
    .await;
    let tenant = app.tenant("Acme").await;
    let mut hooks = app.webhooks(&tenant.admin_key).await;
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://127.0.0.1:8080/hook",
        "http://10.0.0.7/hook",
        "http://localhost/hook",
        "gopher://example.com/",
        // Every other spelling of loopback and the metadata address (WHATWG URL parsing).
        "http://0x7f000001/",
        "http://2130706433/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://0xa9fea9fe/latest/meta-data/",
        "http://LOCALHOST./hook",
    ] {
        let e = hooks
            .create_subscription(CreateSubscriptionRequest {
                subscription: Some(subscription("x", url, Format::Json)),
                request_id: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(violated_fields(&e), ["subscription.url"], "{url}");
    }
    let ok = hooks
        .create_subscription(CreateSubscriptionRequest {
            subscription: Some(subscription(
                "x",
                "https://hooks.example.com/services/T0/B0/x",
                Format::Slack,
            )),
            request_id: String::new(),
        })
        .await;
    assert!(ok.is_ok(), "{ok:?}");
    // A public address in another spelling is kept in its usual form, which is what is sent to.
    let (hex, _) = crate::create(
        &mut hooks,
        subscription("hex", "HTTP://0x5DB8D822:8080/Hook", Format::Json),
    )
    .await;
    assert_eq!(hex.url, "http://93.184.216.34:8080/Hook");
    // An update is checked the same way.
    let e = hooks
        .update_subscription(UpdateSubscriptionRequest {
            subscription: Some(Subscription {
                id: hex.id.clone(),
                url: "http://2130706433/".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["url".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["subscription.url"]);
}
