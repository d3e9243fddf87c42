//! Surveys and other tenants: nothing of ours is seen, answered or changed from another tenant.

use attain_domain::org::AccessRole;
use attain_proto::org::v1 as org;
use chrono::{Duration, Utc};
use tonic::Code;

use crate::{
    surveys::{answer, answers, built_in, campaign, surveys},
    *,
};

#[tokio::test]
async fn another_tenant_sees_nothing_of_our_surveys() {
    let w = world().await;
    let mut admin = surveys(&w, &w.tenant.admin_key).await;
    let c = campaign(&mut admin, &w).await;
    answer(&w, &w.sdrs[0], &c.id, answers(5, 10, "")).await;
    let custom = admin
        .create_survey_template(CreateSurveyTemplateRequest {
            template: Some(SurveyTemplate {
                display_name: "Pulse".into(),
                questions: vec![Question {
                    id: "mood".into(),
                    text: "How is it going?".into(),
                    r#type: QuestionType::Likert5 as i32,
                    options: vec![],
                    required: true,
                }],
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .template
        .unwrap();
    let other = w.app.tenant("Globex").await;
    let mut theirs = surveys(&w, &other.admin_key).await;
    let nf = |r: Result<(), tonic::Status>, what: &str| {
        let status = r.expect_err(what);
        assert_eq!(status.code(), Code::NotFound, "{what}: {status:?}");
    };
    nf(
        theirs
            .get_survey_template(GetSurveyTemplateRequest { id: custom.id.clone() })
            .await
            .map(|_| ()),
        "GetSurveyTemplate",
    );
    nf(
        theirs
            .get_campaign(GetCampaignRequest { id: c.id.clone() })
            .await
            .map(|_| ()),
        "GetCampaign",
    );
    nf(
        theirs
            .close_campaign(CloseCampaignRequest { id: c.id.clone() })
            .await
            .map(|_| ()),
        "CloseCampaign",
    );
    nf(
        theirs
            .list_pending_respondents(ListPendingRespondentsRequest {
                campaign_id: c.id.clone(),
            })
            .await
            .map(|_| ()),
        "ListPendingRespondents",
    );
    nf(
        theirs
            .get_survey_results(GetSurveyResultsRequest {
                campaign_id: c.id.clone(),
                subject_id: String::new(),
            })
            .await
            .map(|_| ()),
        "GetSurveyResults",
    );
    let templates = theirs
        .list_survey_templates(ListSurveyTemplatesRequest {})
        .await
        .unwrap()
        .into_inner()
        .templates;
    assert_eq!(templates.len(), 1, "only the built-in one");
    assert!(
        theirs
            .list_campaigns(ListCampaignsRequest {})
            .await
            .unwrap()
            .into_inner()
            .campaigns
            .is_empty()
    );
    // Our team as their audience: not found over there.
    let template = built_in(&mut theirs).await;
    let status = theirs
        .create_campaign(CreateCampaignRequest {
            campaign: Some(Campaign {
                template_id: template.id,
                display_name: "Stolen".into(),
                audience: Some(Audience {
                    audience: Some(audience::Audience::TeamId(w.sdr_team.clone())),
                }),
                open_time: ts(Utc::now()),
                close_time: ts(Utc::now() + Duration::days(1)),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    // Their settings are their own.
    let settings = theirs
        .get_survey_settings(GetSurveySettingsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(settings.settings.unwrap().min_responses, 3);
    let denied = theirs
        .submit_response(SubmitResponseRequest {
            campaign_id: c.id.clone(),
            answers: answers(1, 0, ""),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(denied.code(), Code::NotFound | Code::FailedPrecondition),
        "{denied:?}"
    );
    // Their reps are invited to nothing of ours.
    let mut their_org = w.app.org(&other.admin_key).await;
    let their_team = team(&mut their_org, "Globex SDRs", org::Motion::SalesDevelopment, "").await;
    let gus = person(&mut their_org, "Gus", org::SalesRole::Sdr, &their_team).await;
    let gus_key = w
        .app
        .api_key(other.id, AccessRole::Rep, Some(gus.parse().unwrap()))
        .await;
    let invited = surveys(&w, &gus_key)
        .await
        .list_my_invitations(ListMyInvitationsRequest {})
        .await
        .unwrap()
        .into_inner()
        .invitations;
    assert!(invited.is_empty(), "{invited:?}");
    // Changing their settings leaves ours alone.
    theirs
        .update_survey_settings(UpdateSurveySettingsRequest {
            settings: Some(SurveySettings { min_responses: 7 }),
        })
        .await
        .unwrap();
    let ours = admin
        .get_survey_settings(GetSurveySettingsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ours.settings.unwrap().min_responses, 3);
}
