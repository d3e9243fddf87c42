//! Templates: built-ins, create, read, list, update with etags, delete, assign.

use tonic::Code;

use crate::*;

#[tokio::test]
async fn every_tenant_starts_with_editable_sdr_and_ae_templates() {
    let mut w = world().await;
    let list =
        w.sc.list_templates(ListTemplatesRequest::default())
            .await
            .unwrap()
            .into_inner();
    assert_eq!(list.templates.len(), 2);
    let sdr = list.templates.iter().find(|t| t.key == "sdr").unwrap().clone();
    assert!(sdr.warnings.is_empty());
    let calls = sdr.lines.iter().find(|l| l.metric_key == "calls").unwrap();
    assert_eq!(calls.target.unwrap().daily, Some(60.0));
    assert_eq!(calls.section, Section::Activities as i32);
    // Edit the built-in: 50 calls a day.
    let mut lines = sdr.lines.clone();
    lines.iter_mut().find(|l| l.metric_key == "calls").unwrap().target = Some(daily(50.0));
    let updated =
        w.sc.update_template(UpdateTemplateRequest {
            template: Some(Template {
                id: sdr.id.clone(),
                etag: sdr.etag.clone(),
                lines,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["lines".into()],
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .template
        .unwrap();
    assert_ne!(updated.etag, sdr.etag);
    assert_eq!(updated.display_name, "SDR");
    // A second update with the old etag loses.
    let stale =
        w.sc.update_template(UpdateTemplateRequest {
            template: Some(Template {
                id: sdr.id.clone(),
                etag: sdr.etag.clone(),
                display_name: "Old".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["display_name".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    let ana = w.sdrs[0].clone();
    let card = person_scorecard(
        &mut w.sc,
        &ana,
        calendar(attain_proto::common::v1::Granularity::Week, (2026, 6, 1)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(line_of(&card, "calls").target, Some(250.0));
}

#[tokio::test]
async fn create_is_idempotent_by_request_id_and_keys_are_unique() {
    let mut w = world().await;
    let request = CreateTemplateRequest {
        template: Some(Template {
            key: "field_ae".into(),
            display_name: "Field AE".into(),
            description: "Travels.".into(),
            lines: vec![line("meetings_held", Section::Objectives, weekly(10.0))],
            ..Default::default()
        }),
        request_id: uuid::Uuid::now_v7().to_string(),
    };
    let first =
        w.sc.create_template(request.clone())
            .await
            .unwrap()
            .into_inner()
            .template
            .unwrap();
    let again =
        w.sc.create_template(request.clone())
            .await
            .unwrap()
            .into_inner()
            .template
            .unwrap();
    assert_eq!(first.id, again.id);
    let got =
        w.sc.get_template(GetTemplateRequest { id: first.id.clone() })
            .await
            .unwrap()
            .into_inner();
    assert_eq!(got.template.unwrap(), first);
    let dup =
        w.sc.create_template(CreateTemplateRequest {
            request_id: String::new(),
            ..request
        })
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);
    // Paging by key.
    let page =
        w.sc.list_templates(ListTemplatesRequest {
            page_size: 2,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        page.templates.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(),
        ["ae", "field_ae"]
    );
    let rest =
        w.sc.list_templates(ListTemplatesRequest {
            page_size: 2,
            page_token: page.next_page_token,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        rest.templates.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(),
        ["sdr"]
    );
    assert!(rest.next_page_token.is_empty());
}

#[tokio::test]
async fn a_crowded_template_is_saved_with_a_warning() {
    let mut w = world().await;
    let keys = [
        "calls",
        "emails",
        "social_connects",
        "contacts_in_sequence",
        "contacts_added_to_opportunities",
        "talk_time",
        "connects",
        "conversations",
        "meetings_set",
        "meetings_held",
        "meetings_qualified",
        "meetings_converted",
        "opportunities_created",
    ];
    let lines = keys.iter().map(|k| line(k, Section::Activities, daily(1.0))).collect();
    let t = template_for(&mut w.sc, "everything", &w.sdr_team.clone(), lines).await;
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    assert!(t.warnings[0].contains("paralysis by analysis"));
}

#[tokio::test]
async fn assignments_go_person_then_team_then_ancestors_then_role() {
    let mut w = world().await;
    let ana = w.sdrs[0].clone();
    let week = || calendar(attain_proto::common::v1::Granularity::Week, (2026, 6, 1));
    let parent = template_for(
        &mut w.sc,
        "org_wide",
        &w.sales.clone(),
        vec![line("calls", Section::Activities, daily(1.0))],
    )
    .await;
    let card = person_scorecard(&mut w.sc, &ana, week(), None).await.unwrap();
    assert_eq!(
        card.template_id, parent.id,
        "the parent team's template reaches the SDR team"
    );
    let team = template_for(
        &mut w.sc,
        "sdr_team",
        &w.sdr_team.clone(),
        vec![line("calls", Section::Activities, daily(2.0))],
    )
    .await;
    assert_eq!(
        person_scorecard(&mut w.sc, &ana, week(), None)
            .await
            .unwrap()
            .template_id,
        team.id
    );
    let own =
        w.sc.create_template(CreateTemplateRequest {
            template: Some(Template {
                key: "ana".into(),
                display_name: "Ana's".into(),
                lines: vec![line("calls", Section::Activities, daily(3.0))],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .template
        .unwrap();
    w.sc.assign_template(AssignTemplateRequest {
        subject: Some(assign_template_request::Subject::PersonId(ana.clone())),
        template_id: own.id.clone(),
    })
    .await
    .unwrap();
    assert_eq!(
        person_scorecard(&mut w.sc, &ana, week(), None)
            .await
            .unwrap()
            .template_id,
        own.id
    );
    // Deleting a template drops its assignments: Ana falls back to her team's.
    w.sc.delete_template(DeleteTemplateRequest { id: own.id.clone() })
        .await
        .unwrap();
    assert_eq!(
        person_scorecard(&mut w.sc, &ana, week(), None)
            .await
            .unwrap()
            .template_id,
        team.id
    );
    let gone = w.sc.get_template(GetTemplateRequest { id: own.id }).await.unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
    // Removing the team assignments leaves the role's built-in.
    for t in [&w.sdr_team, &w.sales] {
        w.sc.assign_template(AssignTemplateRequest {
            subject: Some(assign_template_request::Subject::TeamId(t.clone())),
            template_id: String::new(),
        })
        .await
        .unwrap();
    }
    assert_eq!(
        person_scorecard(&mut w.sc, &ana, week(), None)
            .await
            .unwrap()
            .template_name,
        "SDR"
    );
}
