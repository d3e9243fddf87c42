//! Who sees what: a hiring manager their (and their subtree's) requisitions, a rep nothing of
//! hiring, another tenant nothing at all; every RPC is tried from another tenant.

use attain_domain::org::AccessRole;
use attain_proto::common::v1::Granularity;
use tonic::Code;
use uuid::Uuid;

use crate::{flow::quick, *};

fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap()
}

#[tokio::test]
async fn a_hiring_manager_sees_their_requisitions_and_a_rep_sees_nothing() {
    let mut w = world().await;
    let (east, west, maya, ned) = (w.east.clone(), w.west.clone(), w.maya.clone(), w.ned.clone());
    let mayas = open(&mut w, &east, &maya, (2026, 3, 2)).await;
    let neds = open(&mut w, &west, &ned, (2026, 3, 2)).await;
    let neds_candidate = candidate(&mut w.h, &neds, "Xan", CandidateSource::Inbound, at(2026, 3, 3)).await;
    let key = w.app.api_key(w.tenant.id, AccessRole::Manager, Some(uuid(&maya))).await;
    let mut as_maya = w.app.hiring(&key).await;

    let listed = as_maya
        .list_requisitions(ListRequisitionsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .requisitions;
    let ids: Vec<_> = listed.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [mayas.as_str()]);
    let err = as_maya
        .get_requisition(GetRequisitionRequest {
            requisition_id: neds.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = as_maya
        .get_candidate(GetCandidateRequest {
            candidate_id: neds_candidate.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    // She opens requisitions for herself, works her candidates, but may not hire (the directory
    // only lets admins add people) nor open a requisition for Ned.
    let own = as_maya
        .create_requisition(requisition(&w, &east, &maya, (2026, 3, 9)))
        .await;
    assert!(own.is_ok(), "{own:?}");
    let for_ned = as_maya
        .create_requisition(requisition(&w, &west, &ned, (2026, 3, 9)))
        .await
        .unwrap_err();
    assert_eq!(
        attain_testing::violated_fields(&for_ned),
        ["requisition.hiring_manager_id", "requisition.team_id"]
    );
    let c = quick(&mut as_maya, &mayas, "Yan", &maya, at(2026, 3, 3), at(2026, 3, 20)).await;
    let err = as_maya.hire_candidate(hire_of(&c, (2026, 4, 6), "")).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let pipeline = as_maya
        .get_pipeline(GetPipelineRequest::default())
        .await
        .unwrap()
        .into_inner()
        .requisitions;
    assert_eq!(pipeline.len(), 2, "her two open requisitions, not Ned's");
    let err = as_maya
        .get_hiring_kpis(GetHiringKpisRequest {
            scope: Some(get_hiring_kpis_request::Scope::TeamId(west.clone())),
            period: month(2026, 3),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    // A rep sees nothing of hiring.
    let key = w
        .app
        .api_key(w.tenant.id, AccessRole::Rep, Some(uuid(&w.east_ae)))
        .await;
    let mut as_rep = w.app.hiring(&key).await;
    let denied = [
        as_rep
            .list_requisitions(ListRequisitionsRequest::default())
            .await
            .map(|_| ()),
        as_rep
            .get_requisition(GetRequisitionRequest {
                requisition_id: mayas.clone(),
            })
            .await
            .map(|_| ()),
        as_rep.get_pipeline(GetPipelineRequest::default()).await.map(|_| ()),
        as_rep
            .list_process_templates(ListProcessTemplatesRequest::default())
            .await
            .map(|_| ()),
        as_rep
            .create_candidate(new_candidate(&mayas, "Zed", CandidateSource::Referral, at(2026, 3, 3)))
            .await
            .map(|_| ()),
        as_rep
            .get_bench_strength(GetBenchStrengthRequest {
                team_id: east.clone(),
                as_of: None,
            })
            .await
            .map(|_| ()),
        as_rep
            .get_hiring_kpis(GetHiringKpisRequest {
                period: calendar(Granularity::Quarter, 2026, 1),
                ..Default::default()
            })
            .await
            .map(|_| ()),
    ];
    for result in denied {
        assert_eq!(result.unwrap_err().code(), Code::PermissionDenied);
    }
}

#[tokio::test]
async fn another_tenant_sees_nothing_through_any_rpc() {
    let mut w = world().await;
    let (east, maya) = (w.east.clone(), w.maya.clone());
    let req = open(&mut w, &east, &maya, (2026, 3, 2)).await;
    let c = quick(&mut w.h, &req, "Abe", &maya, at(2026, 3, 3), at(2026, 3, 20)).await;
    let other = w.app.tenant("Globex").await;
    let mut g = w.app.hiring(&other.admin_key).await;
    let not_found = |r: Result<(), tonic::Status>, rpc: &str| {
        assert_eq!(r.unwrap_err().code(), Code::NotFound, "{rpc}");
    };
    not_found(
        g.get_requisition(GetRequisitionRequest {
            requisition_id: req.clone(),
        })
        .await
        .map(|_| ()),
        "GetRequisition",
    );
    not_found(
        g.set_requisition_status(SetRequisitionStatusRequest {
            requisition_id: req.clone(),
            status: RequisitionStatus::Cancelled as i32,
            etag: String::new(),
        })
        .await
        .map(|_| ()),
        "SetRequisitionStatus",
    );
    not_found(
        g.get_candidate(GetCandidateRequest {
            candidate_id: c.clone(),
        })
        .await
        .map(|_| ()),
        "GetCandidate",
    );
    not_found(
        g.list_candidates(ListCandidatesRequest {
            requisition_id: req.clone(),
            ..Default::default()
        })
        .await
        .map(|_| ()),
        "ListCandidates",
    );
    not_found(
        g.move_candidate(MoveCandidateRequest {
            candidate_id: c.clone(),
            stage: "panel".into(),
            enter_time: ts(at(2026, 3, 21)),
        })
        .await
        .map(|_| ()),
        "MoveCandidate",
    );
    not_found(
        g.record_interview(interview_of(&c, "panel", &maya, at(2026, 3, 21), false))
            .await
            .map(|_| ()),
        "RecordInterview",
    );
    not_found(
        g.list_interviews(ListInterviewsRequest {
            candidate_id: c.clone(),
        })
        .await
        .map(|_| ()),
        "ListInterviews",
    );
    not_found(
        g.close_candidate(CloseCandidateRequest {
            candidate_id: c.clone(),
            status: CandidateStatus::Rejected as i32,
            reason: "forged".into(),
            close_time: None,
        })
        .await
        .map(|_| ()),
        "CloseCandidate",
    );
    not_found(
        g.record_offer(RecordOfferRequest {
            candidate_id: c.clone(),
            outcome: OfferOutcome::Declined as i32,
            make_time: None,
            outcome_time: None,
        })
        .await
        .map(|_| ()),
        "RecordOffer",
    );
    not_found(
        g.hire_candidate(hire_of(&c, (2026, 4, 6), "")).await.map(|_| ()),
        "HireCandidate",
    );
    not_found(
        g.list_bench_entries(ListBenchEntriesRequest {
            team_id: east.clone(),
            target_role: 0,
        })
        .await
        .map(|_| ()),
        "ListBenchEntries",
    );
    not_found(
        g.get_bench_strength(GetBenchStrengthRequest {
            team_id: east.clone(),
            as_of: None,
        })
        .await
        .map(|_| ()),
        "GetBenchStrength",
    );
    not_found(
        g.get_hiring_kpis(GetHiringKpisRequest {
            scope: Some(get_hiring_kpis_request::Scope::TeamId(east.clone())),
            period: month(2026, 3),
            ..Default::default()
        })
        .await
        .map(|_| ()),
        "GetHiringKpis",
    );
    // Creates that name the first tenant's records are refused as naming nothing.
    let mut forged = requisition(&w, &east, &maya, (2026, 3, 2));
    let err = g.create_requisition(forged.clone()).await.unwrap_err();
    assert_eq!(
        attain_testing::violated_fields(&err),
        [
            "requisition.hiring_manager_id",
            "requisition.team_id",
            "requisition.process_template_id"
        ]
    );
    forged.requisition.as_mut().unwrap().process_template_id = process(&mut g).await;
    assert_eq!(
        g.create_requisition(forged).await.unwrap_err().code(),
        Code::InvalidArgument
    );
    let err = g
        .create_candidate(new_candidate(&req, "Bea", CandidateSource::Inbound, at(2026, 3, 3)))
        .await
        .unwrap_err();
    assert_eq!(attain_testing::violated_fields(&err), ["candidate.requisition_id"]);
    let err = g
        .create_bench_entry(CreateBenchEntryRequest {
            entry: Some(BenchEntry {
                kind: BenchKind::External as i32,
                team_id: east.clone(),
                display_name: "Cal".into(),
                readiness: Readiness::ReadyNow as i32,
                target_roles: vec![org::SalesRole::Sdr as i32],
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(attain_testing::violated_fields(&err), ["entry.team_id"]);
    // Lists show only the caller's own tenant.
    let lists = (
        g.list_requisitions(ListRequisitionsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .requisitions
            .len(),
        g.get_pipeline(GetPipelineRequest::default())
            .await
            .unwrap()
            .into_inner()
            .requisitions
            .len(),
        g.list_process_templates(ListProcessTemplatesRequest::default())
            .await
            .unwrap()
            .into_inner()
            .templates
            .len(),
    );
    assert_eq!(lists, (0, 0, 1), "only Globex's own template");
    let k = g
        .get_hiring_kpis(GetHiringKpisRequest {
            period: month(2026, 3),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .kpis
        .unwrap();
    assert_eq!(k.offers_accepted, 0);
    // And the database agrees: as the service role, Globex's transaction sees no Acme rows.
    let pool = w.app.db.service_pool("attain_hiring").await;
    let mut tx = attain_runtime::db::begin_tenant(&pool, other.id).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM hiring.candidates")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn a_leader_sees_the_requisitions_of_the_managers_below_and_an_integration_may_not_hire() {
    let mut w = world().await;
    let (east, maya) = (w.east.clone(), w.maya.clone());
    let lee = person(&mut w.org, "Lee", org::SalesRole::SalesLeader, "", None).await;
    let sales = team(&mut w.org, "Sales", &lee).await;
    w.org
        .update_team(org::UpdateTeamRequest {
            team: Some(org::Team {
                id: east.clone(),
                parent_team_id: sales,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["parent_team_id".into()],
            }),
        })
        .await
        .unwrap();
    let mayas = open(&mut w, &east, &maya, (2026, 3, 2)).await;
    let key = w.app.api_key(w.tenant.id, AccessRole::Manager, Some(uuid(&lee))).await;
    let mut as_lee = w.app.hiring(&key).await;
    let seen = as_lee
        .get_requisition(GetRequisitionRequest {
            requisition_id: mayas.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .requisition
        .unwrap();
    assert_eq!(seen.hiring_manager_id, maya);
    let k = kpis_of(
        &mut as_lee,
        get_hiring_kpis_request::Scope::HiringManagerId(maya.clone()),
        month(2026, 3),
    )
    .await;
    assert_eq!(k.hires, 0);

    // An applicant tracking system syncs candidates but does not add people to the directory.
    let key = w.app.api_key(w.tenant.id, AccessRole::Integration, None).await;
    let mut ats = w.app.hiring(&key).await;
    let c = quick(&mut ats, &mayas, "Ivo", &maya, at(2026, 3, 3), at(2026, 3, 20)).await;
    let err = ats.hire_candidate(hire_of(&c, (2026, 4, 6), "")).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

/// The directory's answer of whom a manager sees is cached for a few seconds; someone added to
/// their team a moment ago must still be usable as a hiring manager at once.
#[tokio::test]
async fn a_manager_names_someone_added_a_moment_ago_as_hiring_manager() {
    let mut w = world().await;
    let maya = w.maya.clone();
    let key = w.app.api_key(w.tenant.id, AccessRole::Manager, Some(uuid(&maya))).await;
    let mut h = w.app.hiring(&key).await;
    let east = w.east.clone();
    // Fills the cache with the team as it is now.
    h.create_requisition(requisition(&w, &east, &maya, (2026, 3, 2)))
        .await
        .expect("a requisition of her own");
    let team = w.east.clone();
    let lead = person(&mut w.org, "Lia", org::SalesRole::SalesManager, &team, None).await;
    let created = h.create_requisition(requisition(&w, &east, &lead, (2026, 3, 3))).await;
    assert!(created.is_ok(), "{created:?}");
}
