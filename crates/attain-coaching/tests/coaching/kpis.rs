//! Coaching KPIs on a small seeded team, and metric-based suggestions.

use attain_proto::common::v1::{CalendarPeriod, DateRange, DayOfWeek, Granularity, Period, period};

use crate::*;

fn june() -> Option<Period> {
    Some(Period {
        kind: Some(period::Kind::Calendar(CalendarPeriod {
            granularity: Granularity::Month as i32,
            date: date(2026, 6, 1),
        })),
    })
}

#[tokio::test]
async fn adherence_coverage_and_days_between_one_on_ones() {
    let mut w = world().await;
    let maya = w.maya.clone();
    let sdrs = w.sdrs.clone();
    w.co.create_cadence(CreateCadenceRequest {
        cadence: Some(Cadence {
            kind: SessionKind::OneOnOne as i32,
            coach_id: maya.clone(),
            coachee_ids: sdrs.clone(),
            one_per_coachee: true,
            frequency: Frequency::Weekly as i32,
            day_of_week: DayOfWeek::Monday as i32,
            start_minute: 9 * 60,
            time_zone: "UTC".into(),
            duration_minutes: 30,
            start_date: date(2026, 6, 1),
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let cal =
        w.co.get_calendar(GetCalendarRequest {
            scope: Some(get_calendar_request::Scope::TeamId(w.sdr_team.clone())),
            range: Some(DateRange {
                start_date: date(2026, 6, 1),
                end_date: date(2026, 6, 30),
            }),
            time_zone: "UTC".into(),
        })
        .await
        .unwrap()
        .into_inner();
    // Five Mondays in June 2026, four reps.
    assert_eq!(cal.sessions.len(), 20);
    let session = |rep: &str, day: u32| {
        cal.sessions
            .iter()
            .find(|s| s.coachee_ids == [rep.to_string()] && utc(&s.start_time) == at(2026, 6, day, 9, 0))
            .map(|s| s.id.clone())
            .expect("a generated session")
    };
    // Ana: every week. Bo: weeks one and three. Cy: one cancelled. Di: none.
    let mut complete = Vec::new();
    for day in [1, 8, 15, 22, 29] {
        complete.push(session(&sdrs[0], day));
    }
    complete.push(session(&sdrs[1], 1));
    complete.push(session(&sdrs[1], 15));
    for id in complete {
        w.co.complete_session(CompleteSessionRequest {
            id,
            notes: "Weekly 1:1".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    w.co.update_session(UpdateSessionRequest {
        session: Some(Session {
            id: session(&sdrs[2], 8),
            status: SessionStatus::Cancelled as i32,
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["status".into()],
        }),
    })
    .await
    .unwrap();
    for scope in [
        get_coaching_kpis_request::Scope::TeamId(w.sdr_team.clone()),
        get_coaching_kpis_request::Scope::CoachId(maya.clone()),
    ] {
        let k =
            w.co.get_coaching_kpis(GetCoachingKpisRequest {
                scope: Some(scope),
                period: june(),
            })
            .await
            .unwrap()
            .into_inner()
            .kpis
            .unwrap();
        assert_eq!((k.completed, k.planned), (7, 19));
        assert_eq!(k.adherence, Some(7.0 / 19.0));
        assert_eq!((k.rep_count, k.reps_coached), (4, 2));
        assert_eq!(k.share_coached, Some(0.5));
        // Ana every 7 days, Bo 14 days apart.
        assert_eq!(k.average_days_between_one_on_ones, Some(10.5));
        assert_eq!(k.by_kind.len(), 1);
        assert_eq!(k.by_kind[0].kind, SessionKind::OneOnOne as i32);
    }
}

#[tokio::test]
async fn suggestions_pick_the_rep_with_the_weakest_conversation_to_meeting_rate() {
    let mut w = world().await;
    let sdrs = w.sdrs.clone();
    let mut evs = Vec::new();
    for (rep, meetings) in sdrs.iter().zip([5, 5, 1, 4]) {
        evs.extend(events(rep, "calls", (2026, 6, 2), 100));
        evs.extend(events(rep, "conversations", (2026, 6, 2), 20));
        evs.extend(events(rep, "meetings_set", (2026, 6, 3), meetings));
    }
    ingest(&mut w.metrics, evs).await;
    // June 2026 starts on a Monday: the 1st to the 5th are five working days, the minimum.
    let out =
        w.co.suggest_coaching(SuggestCoachingRequest {
            team_id: w.sdr_team.clone(),
            period: june(),
            as_of: date(2026, 6, 5),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((out.working_days, out.min_working_days, out.min_sample), (5, 5, 20));
    let first = &out.suggestions[0];
    assert_eq!(first.display_name, "Cy");
    assert_eq!(first.kind, SessionKind::CallReview as i32);
    assert_eq!(first.focus_metric_keys[0], "conversation_to_meeting_set");
    // Meetings per conversation: 5/20, 5/20, 1/20, 4/20 → median (0.20 + 0.25) / 2 = 0.225.
    // Cy: gap (0.225 − 0.05) / 0.225 = 7/9 on 20 conversations, confidence 20/(20 + 20) = ½.
    let gap = &first.rate_gaps[0];
    assert_eq!(gap.display_name, "Conversation to meeting set");
    assert_eq!((gap.value, gap.team_median, gap.sample), (0.05, 0.225, 20));
    assert!((gap.gap - 7.0 / 9.0).abs() < 1e-12, "{gap:?}");
    assert_eq!(gap.confidence, 0.5);
    assert!((first.score - 7.0 / 18.0).abs() < 1e-12);
    assert_eq!(
        first.reasons[0],
        "Conversation to meeting set 5.0 % on 20 vs team median 22.5 %"
    );
    // Nobody else lags on a rate (0.20 is above 0.8 × 0.225 = 0.18); the others appear only for
    // being behind pace.
    for s in &out.suggestions[1..] {
        assert!(s.rate_gaps.is_empty(), "{s:?}");
        assert_eq!(s.score, 0.0);
    }
}

#[tokio::test]
async fn two_days_of_data_give_no_suggestion_and_a_thin_rate_no_lag() {
    let mut w = world().await;
    let sdrs = w.sdrs.clone();
    let mut evs = Vec::new();
    // The report that started this: on the 2nd working day one rep has held 0 of 3 meetings
    // qualified, against everyone else's 3 of 4.
    for (rep, qualified) in sdrs.iter().zip([0, 3, 3, 3]) {
        evs.extend(events(
            rep,
            "meetings_held",
            (2026, 6, 1),
            if qualified == 0 { 3 } else { 4 },
        ));
        evs.extend(events(rep, "meetings_qualified", (2026, 6, 2), qualified));
    }
    ingest(&mut w.metrics, evs).await;
    let ask = |as_of, min_sample| SuggestCoachingRequest {
        team_id: w.sdr_team.clone(),
        period: june(),
        as_of: date(2026, 6, as_of),
        min_sample,
        ..Default::default()
    };
    let early = w.co.suggest_coaching(ask(2, 0)).await.unwrap().into_inner();
    assert!(early.suggestions.is_empty(), "{early:?}");
    assert_eq!((early.working_days, early.min_working_days), (2, 5));

    // A week in, with the same data: 3 and 4 held meetings are below the 20 events a rate needs.
    let week = w.co.suggest_coaching(ask(5, 0)).await.unwrap().into_inner();
    assert!(week.suggestions.iter().all(|s| s.rate_gaps.is_empty()), "{week:?}");
    // With the minimum lowered to 3 the rate counts: 0 % against a median of 75 %.
    let lowered = w.co.suggest_coaching(ask(5, 3)).await.unwrap().into_inner();
    let gap = &lowered.suggestions[0].rate_gaps[0];
    assert_eq!(
        (gap.metric_key.as_str(), gap.value, gap.team_median),
        ("held_to_qualified", 0.0, 0.75)
    );
    assert_eq!(gap.confidence, 0.5, "3 ÷ (3 + 3)");

    let bad =
        w.co.suggest_coaching(SuggestCoachingRequest {
            min_working_days: -1,
            min_sample: 2_000_000,
            ..ask(5, 0)
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
    assert!(
        bad.message().contains("min_working_days") && bad.message().contains("min_sample"),
        "{bad:?}"
    );
}
