//! Bad input: every RPC answers INVALID_ARGUMENT naming each bad field, and writes nothing.

use attain_proto::common::v1::{self as common, Granularity};
use attain_testing::violated_fields;

use crate::*;

fn sorted(mut fields: Vec<String>) -> Vec<String> {
    fields.sort();
    fields
}

#[tokio::test]
async fn bad_templates_name_every_field_and_save_nothing() {
    let mut w = world().await;
    let bad = Template {
        key: "Inside AE".into(),
        display_name: String::new(),
        lines: vec![
            line("dials_per_fortnight", Section::Activities, daily(60.0)),
            line("calls", Section::Activities, daily(-5.0)),
            TemplateLine {
                thresholds: Some(Thresholds {
                    red_below: 1.0,
                    green_from: 0.7,
                }),
                ..line("emails", Section::Activities, daily(40.0))
            },
            line("win_rate", Section::Efficiency, daily(0.3)),
            line("deals_won", Section::Unspecified, weekly(1.0)),
            TemplateLine {
                weight: Some(-1.0),
                ..line("revenue_won", Section::Results, level(5.0))
            },
        ],
        ..Default::default()
    };
    let status =
        w.sc.create_template(CreateTemplateRequest {
            template: Some(bad),
            request_id: "not-a-uuid".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        sorted(violated_fields(&status)),
        sorted(
            [
                "request_id",
                "template.key",
                "template.display_name",
                "template.lines[0].metric_key",
                "template.lines[1].target.daily",
                "template.lines[2].thresholds",
                "template.lines[3].target.level",
                "template.lines[4].section",
                "template.lines[5].target.level",
                "template.lines[5].target.target",
                "template.lines[5].weight",
            ]
            .map(String::from)
            .to_vec()
        ),
        "{status:?}"
    );
    let empty =
        w.sc.create_template(CreateTemplateRequest {
            template: Some(Template {
                key: "empty".into(),
                display_name: "Empty".into(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&empty), ["template.lines"]);
    let keys: Vec<String> =
        w.sc.list_templates(ListTemplatesRequest::default())
            .await
            .unwrap()
            .into_inner()
            .templates
            .into_iter()
            .map(|t| t.key)
            .collect();
    assert_eq!(keys, ["ae", "sdr"]);
}

#[tokio::test]
async fn every_rpc_names_its_bad_fields() {
    let mut w = world().await;
    let sc = &mut w.sc;
    let bad_period = Some(common::Period {
        kind: Some(common::period::Kind::Range(common::DateRange {
            start_date: date(2026, 6, 10),
            end_date: date(2026, 6, 1),
        })),
    });
    let check = |r: Result<(), tonic::Status>, expected: &[&str]| {
        let status = r.expect_err("bad input must fail");
        assert_eq!(
            sorted(violated_fields(&status)),
            sorted(expected.iter().map(|s| s.to_string()).collect())
        );
    };
    check(
        sc.get_template(GetTemplateRequest { id: "x".into() }).await.map(|_| ()),
        &["id"],
    );
    check(
        sc.list_templates(ListTemplatesRequest {
            page_size: -1,
            page_token: "garbage".into(),
        })
        .await
        .map(|_| ()),
        &["page_size", "page_token"],
    );
    check(
        sc.update_template(UpdateTemplateRequest {
            template: Some(Template {
                etag: "stale?".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["key".into()],
            }),
        })
        .await
        .map(|_| ()),
        &["template.id", "template.etag", "update_mask"],
    );
    check(
        sc.delete_template(DeleteTemplateRequest { id: String::new() })
            .await
            .map(|_| ()),
        &["id"],
    );
    check(
        sc.assign_template(AssignTemplateRequest {
            subject: None,
            template_id: "x".into(),
        })
        .await
        .map(|_| ()),
        &["subject", "template_id"],
    );
    check(
        sc.create_ramp(CreateRampRequest {
            ramp: Some(Ramp {
                display_name: String::new(),
                steps: vec![0.5, 0.25, 1.5],
                ..Default::default()
            }),
        })
        .await
        .map(|_| ()),
        &["ramp.display_name", "ramp.steps[1]", "ramp.steps[2]"],
    );
    check(
        sc.list_ramps(ListRampsRequest {
            page_size: 5000,
            page_token: String::new(),
        })
        .await
        .map(|_| ()),
        &["page_size"],
    );
    check(
        sc.assign_ramp(AssignRampRequest {
            person_id: String::new(),
            ramp_id: "x".into(),
        })
        .await
        .map(|_| ()),
        &["person_id", "ramp_id"],
    );
    check(
        sc.set_quota(SetQuotaRequest {
            quota: Some(Quota {
                subject: None,
                kind: 0,
                metric_key: "win_rate".into(),
                period: Some(common::CalendarPeriod {
                    granularity: Granularity::Week as i32,
                    date: None,
                }),
                amount: -1,
                ..Default::default()
            }),
        })
        .await
        .map(|_| ()),
        &[
            "quota.subject",
            "quota.kind",
            "quota.amount",
            "quota.metric_key",
            "quota.period.granularity",
            "quota.period.date",
        ],
    );
    check(
        sc.list_quotas(ListQuotasRequest {
            subject: Some(list_quotas_request::Subject::TeamId("x".into())),
            period: bad_period,
        })
        .await
        .map(|_| ()),
        &["team_id", "period.range"],
    );
    check(
        sc.delete_quota(DeleteQuotaRequest { id: "x".into() }).await.map(|_| ()),
        &["id"],
    );
    check(
        sc.set_target_override(SetTargetOverrideRequest {
            target_override: Some(TargetOverride {
                person_id: String::new(),
                metric_key: "calls".into(),
                target: Some(level(3.0)),
            }),
        })
        .await
        .map(|_| ()),
        &[
            "target_override.person_id",
            "target_override.target.level",
            "target_override.target.target",
        ],
    );
    check(
        sc.create_time_off(CreateTimeOffRequest {
            time_off: Some(TimeOff {
                person_id: "x".into(),
                range: Some(common::DateRange {
                    start_date: date(2026, 1, 1),
                    end_date: date(2027, 6, 1),
                }),
                ..Default::default()
            }),
        })
        .await
        .map(|_| ()),
        &["time_off.person_id", "time_off.range"],
    );
    check(
        sc.list_time_off(ListTimeOffRequest {
            person_id: "x".into(),
            period: None,
        })
        .await
        .map(|_| ()),
        &["person_id", "period"],
    );
    check(
        sc.delete_time_off(DeleteTimeOffRequest { id: "x".into() })
            .await
            .map(|_| ()),
        &["id"],
    );
    check(
        sc.get_scorecard(GetScorecardRequest {
            subject: None,
            period: calendar(Granularity::Unspecified, (2026, 2, 30)),
            as_of: date(2026, 13, 1),
        })
        .await
        .map(|_| ()),
        &[
            "subject",
            "as_of",
            "period.calendar.granularity",
            "period.calendar.date",
        ],
    );
    check(
        sc.get_manager_kpis(GetManagerKpisRequest {
            team_id: "x".into(),
            period: None,
            as_of: None,
            quota_metric_key: "win_rate".into(),
            pipeline_metric_key: "nope".into(),
        })
        .await
        .map(|_| ()),
        &["team_id", "period", "quota_metric_key", "pipeline_metric_key"],
    );
}
