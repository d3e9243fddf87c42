//! `attain scorecard` and `attain kpis` against `attain dev` filled by `attain demo seed`: the
//! figures the commands print are the ones the ScorecardService returns over gRPC for the same
//! request, and bad arguments fail with a message that says what is wrong.

use attain_proto::coaching::v1::{SuggestCoachingRequest, coaching_service_client::CoachingServiceClient};
use attain_proto::{
    common::v1::{CalendarPeriod, Date, Granularity, Period, period},
    org::v1::{ListPeopleRequest, ListTeamsRequest, org_service_client::OrgServiceClient},
    scorecard::v1::{
        BoardScope, GetManagerKpisRequest, GetScorecardRequest, GetStandingsRequest, Leaderboard, ManagerKpis,
        Scorecard, Standings, board_scope, get_scorecard_request, get_standings_request,
        scorecard_service_client::ScorecardServiceClient,
    },
};
use attain_testing::Bearer;
use chrono::{Datelike, Days, NaiveDate, Utc};
use tonic::transport::Channel;

use crate::{attain, read_until, run_err, run_ok, spawn};

/// The cells of the table row whose first cell is `first`: columns are two or more spaces apart.
fn row<'a>(out: &'a str, first: &str) -> Vec<&'a str> {
    out.lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
        })
        .find(|cells| cells.first() == Some(&first))
        .unwrap_or_else(|| panic!("no row {first:?} in\n{out}"))
}

/// Checks that a printed cell shows `value` (in the service's units) to the precision shown:
/// `12.3%` for fractions, `$1,235` for cents, `1,012` or `37` for counts, `2.4` per day.
fn shows(cell: &str, value: f64) -> bool {
    let digits: String = cell
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    let Ok(printed) = digits.parse::<f64>() else {
        return false;
    };
    if cell.ends_with('%') {
        (printed - value * 100.0).abs() <= 0.051
    } else if cell.starts_with('$') {
        (printed - value / 100.0).abs() <= 0.51
    } else if cell.ends_with(" d") || cell.contains('h') || cell.ends_with('m') {
        // Durations are not parsed back; that they print at all is enough here.
        true
    } else {
        // Counts are shown whole (targets and projections rounded), per-day figures below 10
        // with one decimal.
        (printed - value).abs() <= if cell.contains('.') { 0.051 } else { 0.51 }
    }
}

fn month_of(d: NaiveDate) -> Period {
    Period {
        kind: Some(period::Kind::Calendar(CalendarPeriod {
            granularity: Granularity::Month as i32,
            date: date(d),
        })),
    }
}

fn date(d: NaiveDate) -> Option<Date> {
    Some(Date {
        year: d.year(),
        month: d.month() as i32,
        day: d.day() as i32,
    })
}

struct Dev {
    org: OrgServiceClient<tonic::service::interceptor::InterceptedService<Channel, Bearer>>,
    scorecards: ScorecardServiceClient<tonic::service::interceptor::InterceptedService<Channel, Bearer>>,
}

impl Dev {
    async fn connect(url: &str, key: &str) -> Dev {
        let channel = Channel::from_shared(url.to_string()).unwrap().connect().await.unwrap();
        Dev {
            org: OrgServiceClient::with_interceptor(channel.clone(), Bearer::new(key)),
            scorecards: ScorecardServiceClient::with_interceptor(channel, Bearer::new(key)),
        }
    }

    async fn person_id(&mut self, name: &str) -> String {
        let people = self
            .org
            .list_people(ListPeopleRequest::default())
            .await
            .unwrap()
            .into_inner()
            .people;
        people.into_iter().find(|p| p.display_name == name).unwrap().id
    }

    async fn team_id(&mut self, name: &str) -> String {
        let teams = self
            .org
            .list_teams(ListTeamsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .teams;
        teams.into_iter().find(|t| t.display_name == name).unwrap().id
    }

    async fn scorecard(&mut self, person_id: String, period: Period, as_of: NaiveDate) -> Scorecard {
        let request = GetScorecardRequest {
            subject: Some(get_scorecard_request::Subject::PersonId(person_id)),
            period: Some(period),
            as_of: date(as_of),
        };
        self.scorecards
            .get_scorecard(request)
            .await
            .unwrap()
            .into_inner()
            .scorecard
            .unwrap()
    }

    async fn standings(&mut self, team_id: String, period: Period, as_of: NaiveDate) -> Standings {
        let request = GetStandingsRequest {
            board: Some(get_standings_request::Board::Spec(Leaderboard {
                metric_key: "meetings_set".into(),
                granularity: Granularity::Month as i32,
                scope: Some(BoardScope {
                    scope: Some(board_scope::Scope::TeamId(team_id)),
                }),
                ..Default::default()
            })),
            period: Some(period),
            as_of: date(as_of),
            limit: 0,
        };
        self.scorecards
            .get_standings(request)
            .await
            .unwrap()
            .into_inner()
            .standings
            .unwrap()
    }

    async fn kpis(&mut self, team_id: String, period: Period, as_of: NaiveDate) -> ManagerKpis {
        let request = GetManagerKpisRequest {
            team_id,
            period: Some(period),
            as_of: date(as_of),
            ..Default::default()
        };
        self.scorecards
            .get_manager_kpis(request)
            .await
            .unwrap()
            .into_inner()
            .kpis
            .unwrap()
    }
}

/// Every line of `sc` is printed with the service's actual and target, and the score too.
fn check_scorecard(out: &str, sc: &Scorecard) {
    assert!(
        out.contains(&sc.display_name) && out.contains(&sc.template_name),
        "{out}"
    );
    assert!(!sc.lines.is_empty());
    for line in &sc.lines {
        let cells = row(out, &line.display_name);
        assert!(cells.len() >= 8, "{cells:?}");
        match line.actual {
            Some(actual) => assert!(
                shows(cells[1], actual),
                "{}: {} for {actual}",
                line.metric_key,
                cells[1]
            ),
            None => assert_eq!(cells[1], "–"),
        }
        match line.target {
            Some(target) => assert!(
                shows(cells[2], target),
                "{}: {} for {target}",
                line.metric_key,
                cells[2]
            ),
            None => assert_eq!(cells[2], "–"),
        }
        if let Some(attainment) = line.attainment {
            assert_eq!(cells[3], format!("{:.0}%", attainment * 100.0), "{}", line.metric_key);
        }
    }
    let score = sc.overall_score.expect("a demo rep's scorecard has a score");
    assert!(out.contains(&format!("Overall score: {:.0}%", score * 100.0)), "{out}");
}

#[test]
fn scorecard_and_kpis_print_the_numbers_the_service_computes_for_the_demo_org() {
    let data_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("scorecard-{}", std::process::id()));
    // Metrics listens one port below scorecard: find a pair that is free.
    let port = crate::dev_base_port() + 1;
    let mut dev = spawn(
        attain()
            .arg("dev")
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--base-port")
            .arg((port - 1).to_string()),
    );
    let banner = read_until(&mut dev, "Press Ctrl-C");
    let key = crate::admin_key(&banner);
    let (org_url, metrics_url) = (
        format!("http://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port - 1),
    );
    let cli = |args: &[&str]| {
        let mut cmd = attain();
        cmd.args(args)
            .env("ATTAIN_API_KEY", &key)
            .env("ATTAIN_ORG_URL", &org_url)
            .env("ATTAIN_METRICS_URL", &metrics_url)
            .env("ATTAIN_COACHING_URL", format!("http://127.0.0.1:{}", port + 1))
            .env("ATTAIN_HIRING_URL", format!("http://127.0.0.1:{}", port + 2))
            .env("NO_COLOR", "1");
        cmd
    };

    let seeded = run_ok(&mut cli(&["demo", "seed"]));
    assert!(seeded.contains("\"sdr\" template on SDR Team"), "{seeded}");
    assert!(seeded.contains("(recorded)"), "{seeded}");
    let again = run_ok(&mut cli(&["demo", "seed"]));
    assert!(
        again.contains("ramp \"New hire ramp 25/50/75/100\" already there"),
        "{again}"
    );
    assert!(again.contains("(already there)"), "{again}");

    // The dev tenant's calendar is UTC; the demo's activity ends yesterday.
    let yesterday = Utc::now().date_naive() - Days::new(1);
    let day = yesterday.to_string();
    let month = Period {
        kind: Some(period::Kind::Calendar(CalendarPeriod {
            granularity: Granularity::Month as i32,
            date: date(yesterday),
        })),
    };
    let quarter = Period {
        kind: Some(period::Kind::Calendar(CalendarPeriod {
            granularity: Granularity::Quarter as i32,
            date: date(yesterday),
        })),
    };
    let flags = |period: &str| ["--period", period, "--date", &day, "--as-of", &day].map(String::from);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut grpc = runtime.block_on(Dev::connect(&org_url, &key));

    // An SDR's month, named as people would name her.
    let out = run_ok(cli(&["scorecard", "Ana Lopez"]).args(flags("month")));
    let ana = runtime.block_on(grpc.person_id("Ana Lopez"));
    let sc = runtime.block_on(grpc.scorecard(ana, month, yesterday));
    check_scorecard(&out, &sc);
    let calls = sc.lines.iter().find(|l| l.metric_key == "calls").expect("a calls line");
    assert!(calls.actual.unwrap_or(0.0) > 0.0, "the demo SDR made calls: {calls:?}");
    for heading in ["ACTIVITIES", "OBJECTIVES", "EFFICIENCY"] {
        assert!(out.lines().any(|l| l == heading), "no {heading} in\n{out}");
    }
    assert!(!out.contains('\x1b'), "no colour for a pipe:\n{out}");

    // An AE's quarter by email: revenue against the quota the demo set.
    let out = run_ok(cli(&["scorecard", "hana.sato@demo.example"]).args(flags("quarter")));
    let hana = runtime.block_on(grpc.person_id("Hana Sato"));
    let sc = runtime.block_on(grpc.scorecard(hana, quarter, yesterday));
    check_scorecard(&out, &sc);

    // The SDR team's KPIs.
    let out = run_ok(cli(&["kpis", "SDR Team"]).args(flags("month")));
    let sdr_team = runtime.block_on(grpc.team_id("SDR Team"));
    let k = runtime.block_on(grpc.kpis(sdr_team, month, yesterday));
    assert_eq!(k.rep_count, 7);
    assert!(out.contains(&format!("Reps:      {}", k.rep_count)), "{out}");
    if let Some(average) = k.daily_activity_goal_average {
        assert!(
            out.contains(&format!("daily activity goal: {:.0}% on average", average * 100.0)),
            "{out}"
        );
    }
    for rep in &k.reps {
        let cells = row(&out, &rep.display_name);
        // Goal days, then the metrics behind pace.
        assert_eq!(cells[cells.len() - 2], rep.daily_goal_days_met.to_string(), "{cells:?}");
    }
    for b in &k.behind_pace {
        assert!(out.contains(&format!("  {}: ", b.display_name)), "{out}");
    }

    // The AE team's KPIs show each rep's quota and revenue.
    let out = run_ok(cli(&["kpis", "AE Team"]).args(flags("quarter")));
    let ae_team = runtime.block_on(grpc.team_id("AE Team"));
    let k = runtime.block_on(grpc.kpis(ae_team, quarter, yesterday));
    assert_eq!(k.reps.len(), 5, "{k:?}");
    for rep in &k.reps {
        let cells = row(&out, &rep.display_name);
        let quota = rep.quota.expect("the demo gives AEs a quota");
        assert!(shows(cells[1], quota), "quota {} for {quota}", cells[1]);
        assert!(
            shows(cells[2], rep.quota_actual),
            "actual {} for {}",
            cells[2],
            rep.quota_actual
        );
    }
    let reps_to_quota = k.reps_to_quota.as_ref().expect("reps to quota");
    let share = reps_to_quota
        .share
        .map_or("–".to_string(), |s| format!("{:.0}%", s * 100.0));
    let shown = format!("Reps to quota: {share}");
    assert!(
        out.contains(&format!("{shown} ({}/{})", reps_to_quota.met, reps_to_quota.counted)),
        "{out}"
    );

    // A leaderboard of the SDR team's meetings this month, as the service ranks it.
    let out = run_ok(cli(&["leaderboard", "meetings_set", "--team", "SDR Team"]).args(flags("month")));
    let sdr_team = runtime.block_on(grpc.team_id("SDR Team"));
    let standings = runtime.block_on(grpc.standings(sdr_team, month_of(yesterday), yesterday));
    assert!(!standings.rows.is_empty());
    for r in &standings.rows {
        let (rank, name) = (r.rank.to_string(), r.display_name.as_str());
        let shown = out.lines().any(|l| {
            let cells: Vec<&str> = l.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
            cells.len() == 3 && cells[0] == rank && cells[1] == name
        });
        assert!(shown, "no row {rank} {name} in\n{out}");
    }

    // The worked reverse-funnel example.
    let out = run_ok(&mut cli(&[
        "plan",
        "--target",
        "300000",
        "--average-deal",
        "25000",
        "--win-rate",
        "0.25",
        "--held-to-qualified",
        "0.5",
        "--set-to-held",
        "0.8",
        "--conversation-to-meeting",
        "0.2",
        "--dial-to-conversation",
        "0.1",
        "--from",
        "2026-07-01",
        "--to",
        "2026-09-24",
    ]));
    assert!(out.contains("62 working days"), "{out}");
    assert_eq!(row(&out, "deals")[2], "12", "{out}");
    assert_eq!(row(&out, "dials")[2..], ["6,000", "97"], "{out}");

    // Coaching: the demo's cadences and whom the SDR team's numbers say to coach, as the
    // coaching service (asking the scorecard service for metrics) answers over gRPC.
    assert!(seeded.contains("coaching: 3 cadences created"), "{seeded}");
    // And the hiring service, a fourth server in `attain dev`, holds the demo pipeline.
    assert!(seeded.contains("hiring: 2 open requisitions, 7 candidates"), "{seeded}");
    let pipeline = run_ok(&mut cli(&["hiring", "pipeline", "AE Team"]));
    assert!(
        pipeline.contains("Account Executive, Mid-Market — AE Team"),
        "{pipeline}"
    );
    assert!(pipeline.contains("Priya Natarajan (referral)"), "{pipeline}");
    let out = run_ok(&mut cli(&["coaching", "suggest", "SDR Team"]));
    let mut coaching = runtime.block_on(async {
        let channel = Channel::from_shared(format!("http://127.0.0.1:{}", port + 1))
            .unwrap()
            .connect()
            .await
            .unwrap();
        CoachingServiceClient::with_interceptor(channel, Bearer::new(&key))
    });
    let sdr_team = runtime.block_on(grpc.team_id("SDR Team"));
    let suggestions = runtime
        .block_on(coaching.suggest_coaching(SuggestCoachingRequest {
            team_id: sdr_team.clone(),
            ..Default::default()
        }))
        .unwrap()
        .into_inner()
        .suggestions;
    let names: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains(" — "))
        .map(|l| l.split(" — ").next().unwrap_or(""))
        .collect();
    let expected: Vec<&str> = suggestions.iter().map(|s| s.display_name.as_str()).collect();
    assert_eq!(names, expected, "{out}");
    let out = run_ok(&mut cli(&[
        "coaching", "calendar", "SDR Team", "--team", "--from", &day, "--to", &day,
    ]));
    assert!(out.starts_with(&format!("Coaching calendar {day} to {day}: ")), "{out}");

    // Bad arguments fail with a clear message.
    let err = run_err(&mut cli(&["scorecard", "Nobody Here"]));
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(stderr.contains("no person or team matches \"Nobody Here\""), "{stderr}");
    let err = run_err(&mut cli(&["scorecard", "Manager"]));
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(
        stderr.contains("ambiguous") && stderr.contains("Sam Manager") && stderr.contains("Alex Manager"),
        "{stderr}"
    );
    let err = run_err(&mut cli(&["scorecard", "Ana Lopez", "--date", "2026-13-01"]));
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(stderr.contains("--date") && stderr.contains("YYYY-MM-DD"), "{stderr}");
    let err = run_err(&mut cli(&["kpis", "Ana Lopez"]));
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(stderr.contains("no team matches \"Ana Lopez\""), "{stderr}");

    drop(grpc);
    dev.terminate();
    let _ = std::fs::remove_dir_all(&data_dir);
}
