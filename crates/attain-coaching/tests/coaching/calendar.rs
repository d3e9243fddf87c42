//! Cadences and the coaching calendar, across a daylight-saving change.

use attain_proto::common::v1::{DateRange, DayOfWeek};

use crate::*;

fn weekly_one_on_ones(coach: &str, coachees: &[&String]) -> CreateCadenceRequest {
    CreateCadenceRequest {
        cadence: Some(Cadence {
            kind: SessionKind::OneOnOne as i32,
            coach_id: coach.into(),
            coachee_ids: coachees.iter().map(|c| c.to_string()).collect(),
            one_per_coachee: true,
            frequency: Frequency::Weekly as i32,
            day_of_week: DayOfWeek::Monday as i32,
            start_minute: 9 * 60,
            time_zone: "Europe/Berlin".into(),
            duration_minutes: 30,
            start_date: date(2026, 3, 16),
            end_date: None,
            ..Default::default()
        }),
    }
}

fn calendar_of(coach: &str, from: (i32, i32, i32), to: (i32, i32, i32)) -> GetCalendarRequest {
    GetCalendarRequest {
        scope: Some(get_calendar_request::Scope::CoachId(coach.into())),
        range: Some(DateRange {
            start_date: date(from.0, from.1, from.2),
            end_date: date(to.0, to.1, to.2),
        }),
        time_zone: "Europe/Berlin".into(),
    }
}

#[tokio::test]
async fn a_weekly_cadence_keeps_local_time_across_the_dst_change() {
    let mut w = world().await;
    let (maya, ana, bo) = (w.maya.clone(), w.sdrs[0].clone(), w.sdrs[1].clone());
    let cadence =
        w.co.create_cadence(weekly_one_on_ones(&maya, &[&ana, &bo]))
            .await
            .unwrap()
            .into_inner()
            .cadence
            .unwrap();
    assert_eq!(cadence.time_zone, "Europe/Berlin");
    let cal =
        w.co.get_calendar(calendar_of(&maya, (2026, 3, 16), (2026, 4, 5)))
            .await
            .unwrap()
            .into_inner();
    // Europe moves to summer time on 29 March: 09:00 in Berlin is 08:00Z before, 07:00Z after.
    let mut starts: Vec<_> = cal.sessions.iter().map(|s| utc(&s.start_time)).collect();
    starts.dedup();
    assert_eq!(
        starts,
        [at(2026, 3, 16, 8, 0), at(2026, 3, 23, 8, 0), at(2026, 3, 30, 7, 0)]
    );
    assert_eq!(cal.sessions.len(), 6, "one 1:1 per rep per week");
    assert!(
        cal.sessions
            .iter()
            .all(|s| s.cadence_id == cadence.id && s.coachee_ids.len() == 1)
    );
    assert_eq!(cal.overdue_count, 6, "all of them are in the past and not recorded");
    // Looking again generates nothing new.
    let again =
        w.co.get_calendar(calendar_of(&maya, (2026, 3, 16), (2026, 4, 5)))
            .await
            .unwrap()
            .into_inner();
    assert_eq!(again.sessions.len(), 6);
    // The team's calendar shows the same sessions; the load view counts them for Maya.
    let team =
        w.co.get_calendar(GetCalendarRequest {
            scope: Some(get_calendar_request::Scope::TeamId(w.sdr_team.clone())),
            ..calendar_of(&maya, (2026, 3, 16), (2026, 4, 5))
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(team.sessions.len(), 6);
    let load =
        w.co.get_coaching_load(GetCoachingLoadRequest {
            period: Some(attain_proto::common::v1::Period {
                kind: Some(attain_proto::common::v1::period::Kind::Range(DateRange {
                    start_date: date(2026, 3, 16),
                    end_date: date(2026, 4, 5),
                })),
            }),
            team_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(load.coaches.len(), 1);
    assert_eq!(
        (
            load.coaches[0].sessions,
            load.coaches[0].minutes,
            load.coaches[0].coachees
        ),
        (6, 180, 2)
    );
    // Deleting the cadence keeps the past and drops nothing else (all are past here).
    let deleted =
        w.co.delete_cadence(DeleteCadenceRequest { id: cadence.id.clone() })
            .await
            .unwrap()
            .into_inner();
    assert_eq!(deleted.removed_sessions, 0);
    assert!(
        w.co.list_cadences(ListCadencesRequest::default())
            .await
            .unwrap()
            .into_inner()
            .cadences
            .is_empty()
    );
}

#[tokio::test]
async fn future_sessions_of_a_deleted_cadence_go_with_it() {
    let mut w = world().await;
    let (maya, ana) = (w.maya.clone(), w.sdrs[0].clone());
    let mut req = weekly_one_on_ones(&maya, &[&ana]);
    if let Some(c) = req.cadence.as_mut() {
        c.start_date = date(2030, 1, 1);
        c.frequency = Frequency::Biweekly as i32;
    }
    let cadence = w.co.create_cadence(req).await.unwrap().into_inner().cadence.unwrap();
    let cal =
        w.co.get_calendar(calendar_of(&maya, (2030, 1, 1), (2030, 1, 31)))
            .await
            .unwrap()
            .into_inner();
    // Biweekly from the first Monday, 7 January 2030: the 7th and the 21st.
    let starts: Vec<_> = cal.sessions.iter().map(|s| utc(&s.start_time)).collect();
    assert_eq!(starts, [at(2030, 1, 7, 8, 0), at(2030, 1, 21, 8, 0)]);
    assert_eq!(cal.overdue_count, 0);
    let deleted =
        w.co.delete_cadence(DeleteCadenceRequest { id: cadence.id })
            .await
            .unwrap()
            .into_inner();
    assert_eq!(deleted.removed_sessions, 2);
}
