use attain_domain::org::AccessRole;
use attain_proto::org::v1::*;
use attain_testing::violated_fields;
use tonic::Code;

use crate::{create_person, date, mask, person, small_org, two_tenants};

fn salesforce(id: &str) -> ExternalId {
    ExternalId {
        system: "salesforce".into(),
        id: id.into(),
    }
}

#[tokio::test]
async fn a_person_is_found_by_id_and_by_external_id() {
    let mut t = two_tenants().await;
    let made = create_person(
        &mut t.a,
        Person {
            email: "ana@acme.example".into(),
            title: "SDR".into(),
            hire_date: date(2026, 1, 5),
            start_date: date(2026, 2, 2),
            time_zone: "Europe/Berlin".into(),
            external_ids: vec![
                salesforce("0055e000001AbCd"),
                ExternalId {
                    system: "hubspot".into(),
                    id: "77".into(),
                },
            ],
            ..person("Ana Lopez", SalesRole::Sdr)
        },
    )
    .await;
    assert_eq!(
        made.status,
        PersonStatus::Onboarding as i32,
        "new people start onboarding"
    );
    assert_eq!(
        made.external_ids.iter().map(|e| e.system.as_str()).collect::<Vec<_>>(),
        ["hubspot", "salesforce"]
    );
    let got =
        t.a.get_person(GetPersonRequest {
            person_id: made.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(got, made);
    let found =
        t.a.find_person_by_external_id(FindPersonByExternalIdRequest {
            external_id: Some(salesforce("0055e000001AbCd")),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(found.id, made.id);
    let history =
        t.a.list_role_history(ListRoleHistoryRequest { person_id: made.id })
            .await
            .unwrap()
            .into_inner()
            .role_changes;
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].effective_date,
        date(2026, 2, 2),
        "the first role starts on the start date"
    );
}

#[tokio::test]
async fn retried_create_with_the_same_request_id_adds_one_person() {
    let mut t = two_tenants().await;
    let request = CreatePersonRequest {
        person: Some(person("Ana", SalesRole::Sdr)),
        request_id: uuid::Uuid::now_v7().to_string(),
    };
    let first =
        t.a.create_person(request.clone())
            .await
            .unwrap()
            .into_inner()
            .person
            .unwrap();
    let again = t.a.create_person(request).await.unwrap().into_inner().person.unwrap();
    assert_eq!(first, again);
    assert_eq!(
        t.a.list_people(ListPeopleRequest::default())
            .await
            .unwrap()
            .into_inner()
            .people
            .len(),
        1
    );
}

#[tokio::test]
async fn bad_person_input_names_every_field() {
    let mut t = two_tenants().await;
    let bad = Person {
        display_name: "Ana\u{0}".into(),
        email: "ana at acme".into(),
        sales_role: 0,
        status: PersonStatus::Left as i32,
        team_id: "team-1".into(),
        time_zone: "Nowhere/City".into(),
        hire_date: date(2026, 3, 1),
        start_date: date(2026, 2, 30),
        external_ids: vec![ExternalId {
            system: "Sales Force".into(),
            id: String::new(),
        }],
        ..Default::default()
    };
    let err =
        t.a.create_person(CreatePersonRequest {
            person: Some(bad),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&err),
        [
            "person.display_name",
            "person.email",
            "person.sales_role",
            "person.team_id",
            "person.time_zone",
            "person.start_date",
            "person.end_date",
            "person.external_ids[0].system",
            "person.external_ids[0].id",
        ]
    );
    let unknown = uuid::Uuid::now_v7().to_string();
    let dangling = Person {
        team_id: unknown.clone(),
        manager_id: unknown,
        ..person("Ana", SalesRole::Sdr)
    };
    let err =
        t.a.create_person(CreatePersonRequest {
            person: Some(dangling),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["person.team_id", "person.manager_id"]);

    let err =
        t.a.get_person(GetPersonRequest {
            person_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["person_id"]);
    let err =
        t.a.list_people(ListPeopleRequest {
            include_subtree: true,
            status: 9,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["include_subtree", "status"]);
    let err =
        t.a.find_person_by_external_id(FindPersonByExternalIdRequest { external_id: None })
            .await
            .unwrap_err();
    assert_eq!(violated_fields(&err), ["external_id.system", "external_id.id"]);
    let err =
        t.a.list_role_history(ListRoleHistoryRequest { person_id: "me".into() })
            .await
            .unwrap_err();
    assert_eq!(violated_fields(&err), ["person_id"]);
}

#[tokio::test]
async fn update_applies_masked_fields_checks_the_result_and_refuses_stale_etags() {
    let mut t = two_tenants().await;
    let made = create_person(
        &mut t.a,
        Person {
            start_date: date(2026, 1, 5),
            ..person("Ana", SalesRole::Sdr)
        },
    )
    .await;
    let left = Person {
        status: PersonStatus::Left as i32,
        end_date: date(2026, 6, 30),
        title: "ignored".into(),
        ..made.clone()
    };
    let updated =
        t.a.update_person(UpdatePersonRequest {
            person: Some(left.clone()),
            update_mask: mask(&["status", "end_date"]),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(updated.status, PersonStatus::Left as i32);
    assert_eq!(updated.end_date, date(2026, 6, 30));
    assert_eq!(updated.title, "", "title was not in the mask");
    let err =
        t.a.update_person(UpdatePersonRequest {
            person: Some(left),
            update_mask: mask(&["title"]),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Aborted);
    // Clearing the end date of a leaver breaks the status rule: refused, nothing written.
    let reopen = Person {
        end_date: None,
        ..updated.clone()
    };
    let err =
        t.a.update_person(UpdatePersonRequest {
            person: Some(reopen),
            update_mask: mask(&["end_date"]),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["person.end_date"]);
    let err =
        t.a.update_person(UpdatePersonRequest {
            person: Some(updated.clone()),
            update_mask: mask(&["sales_role"]),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["update_mask"]);
    let me = Person {
        manager_id: updated.id.clone(),
        ..updated
    };
    let err =
        t.a.update_person(UpdatePersonRequest {
            person: Some(me),
            update_mask: mask(&["manager_id"]),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["person.manager_id"]);
}

#[tokio::test]
async fn an_external_id_belongs_to_one_person() {
    let mut t = two_tenants().await;
    create_person(
        &mut t.a,
        Person {
            external_ids: vec![salesforce("005A")],
            ..person("Ana", SalesRole::Sdr)
        },
    )
    .await;
    let copy = Person {
        external_ids: vec![salesforce("005A")],
        ..person("Bo", SalesRole::Sdr)
    };
    let err =
        t.a.create_person(CreatePersonRequest {
            person: Some(copy.clone()),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    // Another tenant may use the same id for its own person.
    create_person(&mut t.b, copy).await;
}

#[tokio::test]
async fn role_changes_are_kept_and_the_latest_effective_one_is_current() {
    let mut t = two_tenants().await;
    let made = create_person(
        &mut t.a,
        Person {
            start_date: date(2025, 1, 6),
            title: "SDR".into(),
            ..person("Ana", SalesRole::Sdr)
        },
    )
    .await;
    let promote = |role: SalesRole, title: &str, d| ChangePersonRoleRequest {
        person_id: made.id.clone(),
        sales_role: role as i32,
        title: title.into(),
        effective_date: d,
        etag: String::new(),
    };
    let changed =
        t.a.change_person_role(promote(SalesRole::InsideSalesAe, "AE", date(2026, 1, 1)))
            .await
            .unwrap()
            .into_inner();
    assert_eq!(
        changed.person.as_ref().unwrap().sales_role,
        SalesRole::InsideSalesAe as i32
    );
    assert_eq!(changed.person.unwrap().title, "AE");
    // A back-dated correction recorded later does not override the later promotion.
    t.a.change_person_role(promote(SalesRole::Sdr, "Senior SDR", date(2025, 7, 1)))
        .await
        .unwrap();
    let now =
        t.a.get_person(GetPersonRequest {
            person_id: made.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(now.sales_role, SalesRole::InsideSalesAe as i32);
    let history =
        t.a.list_role_history(ListRoleHistoryRequest {
            person_id: made.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .role_changes;
    let titles: Vec<_> = history.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["SDR", "Senior SDR", "AE"]);

    let err =
        t.a.change_person_role(ChangePersonRoleRequest {
            person_id: made.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["sales_role", "effective_date"]);
    let stale = ChangePersonRoleRequest {
        etag: made.etag.clone(),
        ..promote(SalesRole::FieldAe, "", date(2026, 6, 1))
    };
    assert_eq!(t.a.change_person_role(stale).await.unwrap_err().code(), Code::Aborted);
}

#[tokio::test]
async fn people_list_by_team_subtree_and_status() {
    let mut t = two_tenants().await;
    let org = small_org(&mut t.a).await;
    let ids = |people: Vec<Person>| {
        let mut ids: Vec<_> = people.into_iter().map(|p| p.id).collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let under_root =
        t.a.list_people(ListPeopleRequest {
            team_id: org.root.id.clone(),
            include_subtree: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .people;
    assert_eq!(ids(under_root), sorted(vec![org.sdr1.id.clone(), org.sdr2.id.clone()]));
    let only_root =
        t.a.list_people(ListPeopleRequest {
            team_id: org.root.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .people;
    assert!(only_root.is_empty());
    let active =
        t.a.list_people(ListPeopleRequest {
            status: PersonStatus::Active as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .people;
    assert!(active.is_empty(), "everyone is still onboarding");
    assert_eq!(
        t.a.list_people(ListPeopleRequest::default())
            .await
            .unwrap()
            .into_inner()
            .people
            .len(),
        5
    );
}

#[tokio::test]
async fn a_manager_sees_their_people_and_a_rep_only_themself() {
    let mut t = two_tenants().await;
    let org = small_org(&mut t.a).await;
    let id = |p: &Person| Some(p.id.parse().unwrap());
    let manager_key = t.app.api_key(t.a_id, AccessRole::Manager, id(&org.manager)).await;
    let mut manager = t.app.org(&manager_key).await;
    let mut seen: Vec<_> = manager
        .list_people(ListPeopleRequest::default())
        .await
        .unwrap()
        .into_inner()
        .people
        .into_iter()
        .map(|p| p.id)
        .collect();
    seen.sort();
    let mut expected = vec![org.manager.id.clone(), org.sdr1.id.clone(), org.sdr2.id.clone()];
    expected.sort();
    assert_eq!(seen, expected);
    assert_eq!(
        manager
            .get_person(GetPersonRequest {
                person_id: org.ae.id.clone()
            })
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );

    let rep_key = t.app.api_key(t.a_id, AccessRole::Rep, id(&org.sdr1)).await;
    let mut rep = t.app.org(&rep_key).await;
    let seen: Vec<_> = rep
        .list_people(ListPeopleRequest::default())
        .await
        .unwrap()
        .into_inner()
        .people
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(seen, std::slice::from_ref(&org.sdr1.id));
    assert_eq!(
        rep.get_person(GetPersonRequest {
            person_id: org.sdr2.id.clone()
        })
        .await
        .unwrap_err()
        .code(),
        Code::NotFound
    );
    assert_eq!(
        rep.list_role_history(ListRoleHistoryRequest {
            person_id: org.sdr2.id.clone()
        })
        .await
        .unwrap_err()
        .code(),
        Code::NotFound
    );
    let err = rep
        .update_person(UpdatePersonRequest {
            person: Some(org.sdr1.clone()),
            update_mask: mask(&["title"]),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);

    let integration_key = t.app.api_key(t.a_id, AccessRole::Integration, None).await;
    let mut integration = t.app.org(&integration_key).await;
    assert_eq!(
        integration
            .list_people(ListPeopleRequest::default())
            .await
            .unwrap()
            .into_inner()
            .people
            .len(),
        5
    );
    let err = integration
        .create_person(CreatePersonRequest {
            person: Some(person("New", SalesRole::Sdr)),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn another_tenant_can_neither_see_nor_change_people() {
    let mut t = two_tenants().await;
    let made = create_person(
        &mut t.a,
        Person {
            external_ids: vec![salesforce("005A")],
            ..person("Ana", SalesRole::Sdr)
        },
    )
    .await;
    let id = made.id.clone();
    assert_eq!(
        t.b.get_person(GetPersonRequest { person_id: id.clone() })
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert!(
        t.b.list_people(ListPeopleRequest::default())
            .await
            .unwrap()
            .into_inner()
            .people
            .is_empty()
    );
    let err =
        t.b.find_person_by_external_id(FindPersonByExternalIdRequest {
            external_id: Some(salesforce("005A")),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert_eq!(
        t.b.list_role_history(ListRoleHistoryRequest { person_id: id.clone() })
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    let hijack = Person {
        display_name: "Hijacked".into(),
        etag: String::new(),
        ..made.clone()
    };
    let err =
        t.b.update_person(UpdatePersonRequest {
            person: Some(hijack),
            update_mask: mask(&["display_name"]),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let promote = ChangePersonRoleRequest {
        person_id: id.clone(),
        sales_role: SalesRole::FieldAe as i32,
        effective_date: date(2026, 1, 1),
        ..Default::default()
    };
    assert_eq!(
        t.b.change_person_role(promote).await.unwrap_err().code(),
        Code::NotFound
    );
    let err =
        t.b.create_person(CreatePersonRequest {
            person: Some(Person {
                manager_id: id.clone(),
                ..person("Mole", SalesRole::Sdr)
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["person.manager_id"]);
    let unchanged =
        t.a.get_person(GetPersonRequest { person_id: id })
            .await
            .unwrap()
            .into_inner()
            .person
            .unwrap();
    assert_eq!(unchanged, made);
}
