//! The coaching side of `attain demo seed`: each team manager gets a weekly 1:1 cadence with
//! every rep of their team, and a biweekly pipeline review with the AE team, starting eight
//! weeks ago, with most past sessions recorded as held, through the public CoachingService.
//! Idempotent: a manager who already has a cadence of that kind keeps it, and only sessions
//! still scheduled are recorded.

use anyhow::Context;
use attain_proto::{
    coaching::v1::{
        Cadence, CompleteSessionRequest, CreateCadenceRequest, Frequency, GetCalendarRequest, ListCadencesRequest,
        SessionKind, SessionStatus, coaching_service_client::CoachingServiceClient, get_calendar_request,
    },
    common::v1::{Date, DateRange, DayOfWeek},
    org::v1::{ListPeopleRequest, ListTeamsRequest, org_service_client::OrgServiceClient},
};
use attain_server::api;
use chrono::{Datelike, NaiveDate};

/// The cadences the demo wants: team name, kind, frequency, weekday, local start minute.
const CADENCES: &[(&str, SessionKind, Frequency, DayOfWeek, i32, bool)] = &[
    (
        "SDR Team",
        SessionKind::OneOnOne,
        Frequency::Weekly,
        DayOfWeek::Monday,
        9 * 60,
        true,
    ),
    (
        "AE Team",
        SessionKind::OneOnOne,
        Frequency::Weekly,
        DayOfWeek::Tuesday,
        10 * 60,
        true,
    ),
    (
        "AE Team",
        SessionKind::PipelineReview,
        Frequency::Biweekly,
        DayOfWeek::Thursday,
        14 * 60,
        false,
    ),
];

pub async fn seed(org_url: &str, coaching_url: &str, key: &str, start: NaiveDate) -> anyhow::Result<()> {
    let mut org = OrgServiceClient::new(api::channel(org_url)?);
    let mut coaching = CoachingServiceClient::new(api::channel(coaching_url)?);
    let teams = org
        .list_teams(api::authorized(
            ListTeamsRequest {
                page_size: 1000,
                ..Default::default()
            },
            key,
        )?)
        .await
        .context("listing teams")?
        .into_inner()
        .teams;
    let (mut created, mut kept) = (0, 0);
    for (team_name, kind, frequency, weekday, minute, per_rep) in CADENCES {
        let team = teams
            .iter()
            .find(|t| t.display_name == *team_name)
            .with_context(|| format!("the demo team \"{team_name}\""))?;
        let existing = coaching
            .list_cadences(api::authorized(
                ListCadencesRequest {
                    coach_id: team.manager_id.clone(),
                },
                key,
            )?)
            .await
            .context("listing coaching cadences")?
            .into_inner()
            .cadences;
        if existing.iter().any(|c| c.kind == *kind as i32) {
            kept += 1;
            continue;
        }
        let reps: Vec<String> = org
            .list_people(api::authorized(
                ListPeopleRequest {
                    page_size: 1000,
                    team_id: team.id.clone(),
                    ..Default::default()
                },
                key,
            )?)
            .await
            .context("listing the team")?
            .into_inner()
            .people
            .into_iter()
            .filter(|p| p.id != team.manager_id)
            .map(|p| p.id)
            .collect();
        let cadence = Cadence {
            kind: *kind as i32,
            coach_id: team.manager_id.clone(),
            coachee_ids: reps,
            one_per_coachee: *per_rep,
            frequency: *frequency as i32,
            day_of_week: *weekday as i32,
            start_minute: *minute,
            duration_minutes: if *per_rep { 30 } else { 60 },
            start_date: Some(date(start)),
            ..Default::default()
        };
        coaching
            .create_cadence(api::authorized(CreateCadenceRequest { cadence: Some(cadence) }, key)?)
            .await
            .with_context(|| format!("creating the {team_name} cadence"))?;
        created += 1;
    }
    // The past eight weeks of the calendar, held as a busy team would: four sessions in five
    // completed, the rest left as missed (they show as overdue).
    let today = chrono::Utc::now().date_naive();
    let mut held = 0;
    for team in teams.iter().filter(|t| CADENCES.iter().any(|c| c.0 == t.display_name)) {
        let request = GetCalendarRequest {
            scope: Some(get_calendar_request::Scope::CoachId(team.manager_id.clone())),
            range: Some(DateRange {
                start_date: Some(date(start)),
                end_date: Some(date(today.pred_opt().unwrap_or(today))),
            }),
            time_zone: String::new(),
        };
        let sessions = coaching
            .get_calendar(api::authorized(request, key)?)
            .await
            .context("reading the coaching calendar")?
            .into_inner()
            .sessions;
        for (i, session) in sessions.iter().enumerate() {
            if session.status != SessionStatus::Scheduled as i32 || i % 5 == 4 {
                continue;
            }
            let request = CompleteSessionRequest {
                id: session.id.clone(),
                notes: "Reviewed the week's numbers and one call.".into(),
                went_well: vec!["Call openings".into()],
                to_improve: vec!["Asking for the next meeting".into()],
                ..Default::default()
            };
            coaching
                .complete_session(api::authorized(request, key)?)
                .await
                .context("recording a demo session")?;
            held += 1;
        }
    }
    println!(
        "coaching: {created} cadences created, {kept} already there (weekly 1:1s, a biweekly pipeline review); \
         {held} past sessions recorded as held"
    );
    Ok(())
}

fn date(d: NaiveDate) -> Date {
    Date {
        year: d.year(),
        month: d.month() as i32,
        day: d.day() as i32,
    }
}
