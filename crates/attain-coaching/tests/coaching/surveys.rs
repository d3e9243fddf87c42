//! Surveys: anonymous answers, one per person, k-anonymous results, who may read them.

use attain_domain::org::AccessRole;
use attain_proto::{coaching::v1::survey_service_client::SurveyServiceClient, org::v1 as org};
use attain_testing::{Bearer, violated_fields};
use chrono::{Duration, Utc};
use tonic::{Code, service::interceptor::InterceptedService, transport::Channel};
use uuid::Uuid;

use crate::*;

pub(crate) type Surveys = SurveyServiceClient<InterceptedService<Channel, Bearer>>;

pub(crate) async fn surveys(w: &World, key: &str) -> Surveys {
    let channel = Channel::from_shared(format!("http://{}", w.app.coaching_addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    SurveyServiceClient::with_interceptor(channel, Bearer::new(key))
}

async fn as_person(w: &World, role: AccessRole, person: &str) -> Surveys {
    let key = w.app.api_key(w.tenant.id, role, Uuid::parse_str(person).ok()).await;
    surveys(w, &key).await
}

pub(crate) async fn built_in(s: &mut Surveys) -> SurveyTemplate {
    s.list_survey_templates(ListSurveyTemplatesRequest {})
        .await
        .unwrap()
        .into_inner()
        .templates
        .into_iter()
        .find(|t| t.built_in)
        .expect("the built-in template")
}

/// The SDR team asked about their manager, Maya, open now.
pub(crate) async fn campaign(s: &mut Surveys, w: &World) -> Campaign {
    let template = built_in(s).await;
    let now = Utc::now();
    s.create_campaign(CreateCampaignRequest {
        campaign: Some(Campaign {
            template_id: template.id,
            display_name: "Coaching quality Q4".into(),
            audience: Some(Audience {
                audience: Some(audience::Audience::TeamId(w.sdr_team.clone())),
            }),
            open_time: ts(now - Duration::hours(1)),
            close_time: ts(now + Duration::days(7)),
            reminder_times: vec![ts(now - Duration::minutes(30)).unwrap()],
            ..Default::default()
        }),
    })
    .await
    .unwrap()
    .into_inner()
    .campaign
    .unwrap()
}

pub(crate) fn answers(regular: i32, recommend: i32, text: &str) -> Vec<Answer> {
    let rating = |id: &str, r: i32| Answer {
        question_id: id.into(),
        value: Some(answer::Value::Rating(r)),
    };
    let mut out = vec![
        rating("regular", regular),
        rating("specific", 4),
        rating("improve", 4),
        rating("listens", 4),
        rating("recommend", recommend),
    ];
    if !text.is_empty() {
        out.push(Answer {
            question_id: "more_of".into(),
            value: Some(answer::Value::Text(text.into())),
        });
    }
    out
}

pub(crate) async fn answer(w: &World, person: &str, campaign: &str, a: Vec<Answer>) -> bool {
    let mut s = as_person(w, AccessRole::Rep, person).await;
    s.submit_response(SubmitResponseRequest {
        campaign_id: campaign.into(),
        answers: a,
    })
    .await
    .expect("submit")
    .into_inner()
    .replaced
}

async fn results_of(s: &mut Surveys, campaign: &str, subject: &str) -> Result<SurveyResults, tonic::Status> {
    Ok(s.get_survey_results(GetSurveyResultsRequest {
        campaign_id: campaign.into(),
        subject_id: subject.into(),
    })
    .await?
    .into_inner()
    .results
    .expect("results"))
}

#[tokio::test]
async fn results_are_withheld_until_three_answers_then_show_means_and_nps() {
    let mut w = world().await;
    let mut admin = surveys(&w, &w.tenant.admin_key).await;
    let c = campaign(&mut admin, &w).await;
    assert_eq!(c.invited_count, 4);
    assert_eq!(c.reminders_due, 1);
    assert!(c.open);
    let (maya, sdrs) = (w.maya.clone(), w.sdrs.clone());
    assert!(!answer(&w, &sdrs[0], &c.id, answers(5, 10, "More call reviews")).await);
    assert!(!answer(&w, &sdrs[1], &c.id, answers(4, 9, "")).await);
    let held = results_of(&mut admin, &c.id, &maya).await.unwrap();
    assert!(held.withheld);
    assert!(
        held.withheld_reason.contains("shown from 3"),
        "{}",
        held.withheld_reason
    );
    assert!(held.questions.is_empty() && held.score.is_none());
    assert_eq!((held.invited_count, held.response_count), (4, 2));
    // A second answer replaces the first: still two responses.
    assert!(answer(&w, &sdrs[1], &c.id, answers(4, 9, "Shadow my calls")).await);
    assert_eq!(results_of(&mut admin, &c.id, &maya).await.unwrap().response_count, 2);
    assert!(!answer(&w, &sdrs[2], &c.id, answers(3, 6, "")).await);
    // Three answers, but the campaign is open: results are shown only once it closes.
    let open = results_of(&mut admin, &c.id, &maya).await.unwrap();
    assert!(open.withheld && open.questions.is_empty() && open.score.is_none());
    assert!(open.withheld_reason.contains("closed"), "{}", open.withheld_reason);

    // Once the campaign closes, answers are refused, results are shown and Maya's coaching
    // quality feeds her KPIs.
    admin
        .close_campaign(CloseCampaignRequest { id: c.id.clone() })
        .await
        .unwrap();
    let r = results_of(&mut admin, &c.id, &maya).await.unwrap();
    assert!(!r.withheld);
    assert_eq!(r.response_count, 3);
    assert_eq!(r.response_rate, Some(0.75));
    let q = |id: &str| r.questions.iter().find(|q| q.question_id == id).unwrap().clone();
    assert_eq!(q("regular").mean, Some(4.0));
    assert_eq!(q("regular").distribution, [0, 0, 0, 1, 1, 1]);
    // 10 and 9 promote, 6 detracts: (2 − 1) / 3.
    let nps = q("recommend").nps.unwrap();
    assert!((nps - 100.0 / 3.0).abs() < 1e-9, "{nps}");
    let mut texts = q("more_of").texts;
    texts.sort();
    assert_eq!(texts, ["More call reviews", "Shadow my calls"]);

    let mut late = as_person(&w, AccessRole::Rep, &sdrs[3]).await;
    let refused = late
        .submit_response(SubmitResponseRequest {
            campaign_id: c.id.clone(),
            answers: answers(5, 10, ""),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    let kpis =
        w.co.get_coaching_kpis(GetCoachingKpisRequest {
            scope: Some(get_coaching_kpis_request::Scope::CoachId(maya.clone())),
            period: Some(attain_proto::common::v1::Period {
                kind: Some(attain_proto::common::v1::period::Kind::Calendar(
                    attain_proto::common::v1::CalendarPeriod {
                        granularity: attain_proto::common::v1::Granularity::Quarter as i32,
                        date: None,
                    },
                )),
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .kpis
        .unwrap();
    assert_eq!(kpis.coaching_quality_responses, 3);
    assert!(kpis.coaching_quality.is_some_and(|q| q > 0.5 && q < 1.0), "{kpis:?}");
}

#[tokio::test]
async fn the_tables_hold_no_link_from_an_answer_to_its_author() {
    let w = world().await;
    let mut admin = surveys(&w, &w.tenant.admin_key).await;
    let c = campaign(&mut admin, &w).await;
    let sdrs = w.sdrs.clone();
    for (i, p) in sdrs.iter().enumerate().take(3) {
        answer(&w, p, &c.id, answers(3 + i as i32, 8, "fine")).await;
    }
    // Every column of every response row, as text, as the database's owner reads it.
    let rows: Vec<String> = sqlx::query_scalar("SELECT row_to_json(r)::text FROM coaching.responses r")
        .fetch_all(&w.app.db.owner)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_schema = 'coaching' AND table_name = 'responses' ORDER BY ordinal_position",
    )
    .fetch_all(&w.app.db.owner)
    .await
    .unwrap();
    assert_eq!(
        columns,
        ["tenant_id", "campaign_id", "respondent_tag", "subject_id", "answers"]
    );
    for p in &sdrs {
        let id = Uuid::parse_str(p).unwrap();
        let unkeyed = {
            use sha2::Digest;
            hex(&sha2::Sha256::digest(id.as_bytes()))
        };
        for row in &rows {
            assert!(!row.contains(p.as_str()), "a response names its author: {row}");
            assert!(!row.contains(&id.simple().to_string()), "{row}");
            assert!(!row.contains(&unkeyed), "a plain hash of the author: {row}");
            assert!(!row.contains(&hex(id.as_bytes())), "{row}");
        }
    }
    // Nothing else records who answered: the invitations have no answer state or time.
    let invitation_columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_schema = 'coaching' AND table_name = 'invitations' ORDER BY ordinal_position",
    )
    .fetch_all(&w.app.db.owner)
    .await
    .unwrap();
    assert_eq!(
        invitation_columns,
        ["tenant_id", "campaign_id", "person_id", "subject_id"]
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn results_are_for_the_subjects_managers_and_admins_not_peers() {
    let mut w = world().await;
    // Lee manages Maya; Zed manages the AE team, a peer of Maya's.
    let lee = person(&mut w.org, "Lee", org::SalesRole::SalesLeader, "").await;
    let zed = person(&mut w.org, "Zed", org::SalesRole::SalesManager, "").await;
    w.org
        .update_person(org::UpdatePersonRequest {
            person: Some(org::Person {
                id: w.maya.clone(),
                manager_id: lee.clone(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["manager_id".into()],
            }),
        })
        .await
        .unwrap();
    w.org
        .update_team(org::UpdateTeamRequest {
            team: Some(org::Team {
                id: w.ae_team.clone(),
                manager_id: zed.clone(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["manager_id".into()],
            }),
        })
        .await
        .unwrap();
    let mut admin = surveys(&w, &w.tenant.admin_key).await;
    let c = campaign(&mut admin, &w).await;
    let maya = w.maya.clone();
    let mut boss = as_person(&w, AccessRole::Manager, &lee).await;
    results_of(&mut boss, &c.id, &maya).await.expect("Maya's manager");
    let mut herself = as_person(&w, AccessRole::Manager, &maya).await;
    results_of(&mut herself, &c.id, &maya).await.expect("Maya herself");
    let mut peer = as_person(&w, AccessRole::Manager, &zed).await;
    assert_eq!(
        results_of(&mut peer, &c.id, &maya).await.unwrap_err().code(),
        Code::NotFound
    );
    let mut rep = as_person(&w, AccessRole::Rep, &w.sdrs[0]).await;
    assert_eq!(
        results_of(&mut rep, &c.id, &maya).await.unwrap_err().code(),
        Code::NotFound
    );
    let whole = boss
        .get_survey_results(GetSurveyResultsRequest {
            campaign_id: c.id.clone(),
            subject_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(whole.code(), Code::PermissionDenied);
    // The invited see their invitation, with whom it is about.
    let mine = rep
        .list_my_invitations(ListMyInvitationsRequest {})
        .await
        .unwrap()
        .into_inner()
        .invitations;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].subject_id, maya);
    assert!(!mine[0].answered);
    // Admins see who has not answered yet, for reminders.
    let pending = admin
        .list_pending_respondents(ListPendingRespondentsRequest {
            campaign_id: c.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person_ids;
    assert_eq!(pending.len(), 4);
    // Someone not invited cannot answer.
    let mut outsider = as_person(&w, AccessRole::Rep, &w.aes[0]).await;
    let denied = outsider
        .submit_response(SubmitResponseRequest {
            campaign_id: c.id.clone(),
            answers: answers(5, 10, ""),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn bad_answers_templates_campaigns_and_settings_name_their_fields() {
    let w = world().await;
    let mut admin = surveys(&w, &w.tenant.admin_key).await;
    let c = campaign(&mut admin, &w).await;
    let mut rep = as_person(&w, AccessRole::Rep, &w.sdrs[0]).await;
    let mut bad = answers(6, 10, "");
    bad.remove(1);
    bad.push(Answer {
        question_id: "favourite_colour".into(),
        value: Some(answer::Value::Text("blue".into())),
    });
    let status = rep
        .submit_response(SubmitResponseRequest {
            campaign_id: c.id.clone(),
            answers: bad,
        })
        .await
        .unwrap_err();
    let fields = violated_fields(&status);
    assert!(fields.contains(&"answers[0].rating".to_string()), "{fields:?}");
    assert!(fields.contains(&"answers[4].question_id".to_string()), "{fields:?}");
    assert!(
        fields.contains(&"answers".to_string()),
        "the required question: {fields:?}"
    );
    let status = admin
        .create_survey_template(CreateSurveyTemplateRequest {
            template: Some(SurveyTemplate {
                display_name: String::new(),
                questions: vec![Question {
                    id: "Q 1".into(),
                    text: String::new(),
                    r#type: QuestionType::SingleChoice as i32,
                    options: vec!["only one".into()],
                    required: true,
                }],
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "template.display_name",
            "template.questions[0].id",
            "template.questions[0].options",
            "template.questions[0].text"
        ]
    );
    let now = Utc::now();
    let status = admin
        .create_campaign(CreateCampaignRequest {
            campaign: Some(Campaign {
                template_id: "x".into(),
                display_name: "Backwards".into(),
                audience: None,
                open_time: ts(now),
                close_time: ts(now - Duration::days(1)),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(
        fields,
        ["campaign.audience", "campaign.close_time", "campaign.template_id"]
    );
    let status = admin
        .update_survey_settings(UpdateSurveySettingsRequest {
            settings: Some(SurveySettings { min_responses: 1 }),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["settings.min_responses"]);
    admin
        .update_survey_settings(UpdateSurveySettingsRequest {
            settings: Some(SurveySettings { min_responses: 2 }),
        })
        .await
        .unwrap();
    let settings = admin
        .get_survey_settings(GetSurveySettingsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(settings.settings.unwrap().min_responses, 2);
    for (what, status) in [
        (
            "GetSurveyTemplate",
            admin
                .get_survey_template(GetSurveyTemplateRequest { id: "x".into() })
                .await
                .map(|_| ())
                .unwrap_err(),
        ),
        (
            "GetCampaign",
            admin
                .get_campaign(GetCampaignRequest { id: String::new() })
                .await
                .map(|_| ())
                .unwrap_err(),
        ),
        (
            "CloseCampaign",
            admin
                .close_campaign(CloseCampaignRequest { id: "x".into() })
                .await
                .map(|_| ())
                .unwrap_err(),
        ),
        (
            "ListPendingRespondents",
            admin
                .list_pending_respondents(ListPendingRespondentsRequest {
                    campaign_id: "x".into(),
                })
                .await
                .map(|_| ())
                .unwrap_err(),
        ),
        (
            "GetSurveyResults",
            admin
                .get_survey_results(GetSurveyResultsRequest {
                    campaign_id: "x".into(),
                    subject_id: "y".into(),
                })
                .await
                .map(|_| ())
                .unwrap_err(),
        ),
    ] {
        assert_eq!(status.code(), Code::InvalidArgument, "{what}: {status:?}");
    }
    // An integration key is no person: it cannot answer or have invitations.
    let key = w.app.api_key(w.tenant.id, AccessRole::Integration, None).await;
    let mut integration = surveys(&w, &key).await;
    let status = integration
        .list_my_invitations(ListMyInvitationsRequest {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
}

/// The snapshot attack: with k = 2, a manager reads the live results after each answer while
/// an admin reads who is still pending. Before, the difference between two readings was the
/// one rep who had just answered, rating and free text. Now nothing is shown while the
/// campaign is open, and after it closes there is one set of results, which cannot be diffed.
#[tokio::test]
async fn reading_results_after_each_answer_learns_no_ones_answer() {
    let w = world().await;
    let mut admin = surveys(&w, &w.tenant.admin_key).await;
    admin
        .update_survey_settings(UpdateSurveySettingsRequest {
            settings: Some(SurveySettings { min_responses: 2 }),
        })
        .await
        .unwrap();
    let c = campaign(&mut admin, &w).await;
    let (maya, sdrs) = (w.maya.clone(), w.sdrs.clone());
    let mut manager = as_person(&w, AccessRole::Manager, &maya).await;
    let texts = ["Great ride-alongs", "Too many meetings", "Loves the dialer"];
    for (n, rep) in sdrs.iter().take(3).enumerate() {
        answer(&w, rep, &c.id, answers(5 - n as i32, 10 - n as i32, texts[n])).await;
        let pending = admin
            .list_pending_respondents(ListPendingRespondentsRequest {
                campaign_id: c.id.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .person_ids;
        assert!(!pending.contains(rep), "the pending list tells who answered, as before");
        let snapshot = results_of(&mut manager, &c.id, &maya).await.unwrap();
        assert!(snapshot.withheld, "after answer {}", n + 1);
        assert!(snapshot.questions.is_empty() && snapshot.score.is_none());
        assert!(snapshot.trend.iter().all(|t| t.score.is_none()));
        let whole = results_of(&mut admin, &c.id, &maya).await.unwrap();
        assert!(whole.withheld && whole.questions.is_empty());
    }
    admin
        .close_campaign(CloseCampaignRequest { id: c.id.clone() })
        .await
        .unwrap();
    let released = results_of(&mut manager, &c.id, &maya).await.unwrap();
    assert!(!released.withheld);
    assert_eq!(released.response_count, 3);
}
