//! Faults through the real binary: the metrics service killed with SIGKILL in the middle of
//! ingestion loses no acknowledged event, and retries with the same ids end with every event
//! stored exactly once; a peer that is down makes the caller fail fast with UNAVAILABLE, and
//! calls work again once it is back.

use std::collections::HashSet;

use attain_proto::{
    common::v1::{CalendarPeriod, Granularity, Period, period},
    metrics::v1::{Event, IngestEventsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{CreatePersonRequest, Person, SalesRole, org_service_client::OrgServiceClient},
    scorecard::v1::{
        GetScorecardRequest, get_scorecard_request::Subject, scorecard_service_client::ScorecardServiceClient,
    },
};
use attain_testing::{Bearer, TestDb};
use tonic::{Code, transport::Channel};
use uuid::Uuid;

use crate::{Running, attain, free_port, operator::wait_serving_service, run_ok, spawn};

struct Setup {
    db: TestDb,
    key: String,
    scorecard: String,
    metrics: String,
}

async fn setup() -> Setup {
    let db = TestDb::empty().await;
    let url = db.owner_url.clone();
    let (_, key) = crate::migrate_with_admin_key(&url, &["tenant", "create", "--name", "Acme"]);
    Setup {
        db,
        key,
        scorecard: format!("127.0.0.1:{}", free_port()),
        metrics: format!("127.0.0.1:{}", free_port()),
    }
}

impl Setup {
    fn serve(&self, service: &str) -> Running {
        let (listen, role) = match service {
            "metrics" => (&self.metrics, "attain_metrics"),
            _ => (&self.scorecard, "attain_scorecard"),
        };
        spawn(
            attain()
                .args(["serve", service, "--listen", listen, "--admin-listen"])
                .arg(format!("127.0.0.1:{}", free_port()))
                .env("DATABASE_URL", &self.db.owner_url)
                .env("ATTAIN_DB_ROLE", role)
                .env("ATTAIN_ORG_URL", format!("http://{}", self.scorecard))
                .env("ATTAIN_METRICS_URL", format!("http://{}", self.metrics)),
        )
    }

    async fn person(&self) -> String {
        let channel = wait_serving_service(&self.scorecard, "attain.org.v1.OrgService").await;
        OrgServiceClient::with_interceptor(channel, Bearer::new(&self.key))
            .create_person(CreatePersonRequest {
                person: Some(Person {
                    display_name: "Ana".into(),
                    sales_role: SalesRole::Sdr as i32,
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .expect("person")
            .into_inner()
            .person
            .expect("person")
            .id
    }

    async fn stored(&self, ids: &[Uuid]) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM metrics.events WHERE event_id = ANY($1)")
            .bind(ids)
            .fetch_one(&self.db.owner)
            .await
            .expect("count")
    }
}

/// SIGKILL: no chance to drain or flush.
fn kill_hard(running: &mut Running) {
    // SAFETY: kill has no memory-safety preconditions; the pid is our child's.
    unsafe { libc::kill(running.0.id() as i32, libc::SIGKILL) };
    let _ = running.0.wait();
}

fn batch(person: &str, ids: &[Uuid]) -> IngestEventsRequest {
    IngestEventsRequest {
        events: ids
            .iter()
            .enumerate()
            .map(|(i, id)| Event {
                event_id: id.to_string(),
                person_id: person.to_string(),
                metric_key: "calls".into(),
                occurred_at: Some(prost_types::Timestamp {
                    seconds: 1_782_864_000 + (i as i64) * 3_600,
                    nanos: 0,
                }),
                ..Default::default()
            })
            .collect(),
    }
}

#[tokio::test]
async fn a_metrics_service_killed_mid_ingest_loses_no_acknowledged_event_and_retries_store_each_once() {
    let s = setup().await;
    let mut scorecard = s.serve("scorecard");
    let mut metrics = s.serve("metrics");
    let person = s.person().await;
    let batches: Vec<Vec<Uuid>> = (0..60).map(|_| (0..50).map(|_| Uuid::now_v7()).collect()).collect();
    let channel = wait_serving_service(&s.metrics, "attain.metrics.v1.MetricsService").await;

    // Two integrations send batches; the service is killed once ten have been acknowledged.
    let (acked_tx, mut acked_rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let mut senders = Vec::new();
    for lane in 0..2 {
        let (channel, key, person, batches, acked) = (
            channel.clone(),
            s.key.clone(),
            person.clone(),
            batches.clone(),
            acked_tx.clone(),
        );
        senders.push(tokio::spawn(async move {
            let mut client = MetricsServiceClient::with_interceptor(channel, Bearer::new(&key));
            for (i, ids) in batches.iter().enumerate().filter(|(i, _)| i % 2 == lane) {
                match client.ingest_events(batch(&person, ids)).await {
                    Ok(_) => {
                        let _ = acked.send(i);
                    }
                    Err(_) => break,
                }
            }
        }));
    }
    drop(acked_tx);
    let mut acked = HashSet::new();
    while let Some(i) = acked_rx.recv().await {
        acked.insert(i);
        if acked.len() == 10 {
            kill_hard(&mut metrics);
        }
    }
    for sender in senders {
        sender.await.expect("sender");
    }
    assert!(
        acked.len() >= 10 && acked.len() < batches.len(),
        "killed mid-ingest: {} acked",
        acked.len()
    );

    let acked_ids: Vec<Uuid> = acked.iter().flat_map(|i| batches[*i].clone()).collect();
    assert_eq!(
        s.stored(&acked_ids).await,
        acked_ids.len() as i64,
        "every acknowledged event survived"
    );

    // Back up: the integrations resend everything they are unsure of, with the same ids.
    let mut metrics = s.serve("metrics");
    let channel = wait_serving_service(&s.metrics, "attain.metrics.v1.MetricsService").await;
    let mut client = MetricsServiceClient::with_interceptor(channel, Bearer::new(&s.key));
    let (mut accepted, mut duplicates) = (0, 0);
    for ids in &batches {
        let done = client
            .ingest_events(batch(&person, ids))
            .await
            .expect("resend")
            .into_inner();
        accepted += done.accepted_count;
        duplicates += done.duplicate_count;
    }
    let all: Vec<Uuid> = batches.iter().flatten().copied().collect();
    assert_eq!(s.stored(&all).await, all.len() as i64, "each event stored exactly once");
    assert_eq!(accepted + duplicates, all.len() as i32);
    assert!(
        duplicates >= acked_ids.len() as i32,
        "the acknowledged ones came back as duplicates"
    );

    tokio::task::spawn_blocking(move || {
        metrics.terminate();
        scorecard.terminate();
    })
    .await
    .expect("stop");
}

#[tokio::test]
async fn a_peer_that_is_down_fails_calls_fast_with_unavailable_and_they_work_once_it_is_back() {
    let s = setup().await;
    let mut scorecard = s.serve("scorecard");
    let person = s.person().await;
    let channel: Channel = wait_serving_service(&s.scorecard, "attain.org.v1.OrgService").await;
    let mut client = ScorecardServiceClient::with_interceptor(channel, Bearer::new(&s.key));
    let request = || {
        let mut request = tonic::Request::new(GetScorecardRequest {
            subject: Some(Subject::PersonId(person.clone())),
            period: Some(Period {
                kind: Some(period::Kind::Calendar(CalendarPeriod {
                    granularity: Granularity::Month as i32,
                    date: None,
                })),
            }),
            as_of: None,
        });
        // The caller's own deadline is generous: the answer must come from the server's peer
        // deadline (5 s) or a refused connection, not from this.
        request.set_timeout(std::time::Duration::from_secs(60));
        request
    };

    // Nothing listens on the metrics address: the scorecard needs its numbers.
    let err = client
        .get_scorecard(request())
        .await
        .expect_err("the metrics service is down");
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert!(err.message().contains("metrics"), "the message names the peer: {err:?}");

    let mut metrics = s.serve("metrics");
    wait_serving_service(&s.metrics, "attain.metrics.v1.MetricsService").await;
    // The first call may still meet the connection that broke (tonic reconnects when a call
    // finds it broken), and is answered UNAVAILABLE with "retry"; the retry it asks for works.
    let mut attempts = 0;
    let card = loop {
        attempts += 1;
        match client.get_scorecard(request()).await {
            Ok(card) => break card,
            Err(e) if attempts < 3 && e.code() == Code::Unavailable => {}
            Err(e) => panic!("not back after {attempts} attempts: {e:?}"),
        }
    };
    assert!(card.into_inner().scorecard.is_some());

    tokio::task::spawn_blocking(move || {
        metrics.terminate();
        scorecard.terminate();
    })
    .await
    .expect("stop");
}

#[tokio::test]
async fn postgres_restarted_mid_stream_leads_to_unavailable_and_resent_streams_total_exactly_what_was_sent() {
    use attain_proto::metrics::v1::StreamEventsRequest;
    use attain_runtime::local_pg::{LocalPostgres, LocalPostgresOptions};

    // A cluster of its own: stopping the shared test cluster would fail every other test.
    let dir = std::env::temp_dir().join(format!("attain-pg-restart-{}", Uuid::new_v4().simple()));
    let start = |port| {
        let dir = dir.clone();
        move || LocalPostgres::start(&dir, LocalPostgresOptions { ephemeral: false, port })
    };
    let pg = tokio::task::spawn_blocking(start(None))
        .await
        .expect("join")
        .expect("a private PostgreSQL");
    let port = pg.port();
    let maintenance = attain_runtime::db::connect_owner(&pg.url("postgres"))
        .await
        .expect("connect");
    sqlx::raw_sql("CREATE DATABASE attain")
        .execute(&maintenance)
        .await
        .expect("database");
    maintenance.close().await;
    let url = pg.url("attain");
    let (_, key) = crate::migrate_with_admin_key(&url, &["tenant", "create", "--name", "Acme"]);
    let (scorecard_addr, metrics_addr) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    let metrics_admin = format!("127.0.0.1:{}", free_port());
    let serve = |service: &str, listen: &str, admin: &str, role: &str| {
        spawn(
            attain()
                .args(["serve", service, "--listen", listen, "--admin-listen", admin])
                .env("DATABASE_URL", &url)
                .env("ATTAIN_DB_ROLE", role)
                // Longer than the deadline of the calls made while the database is down: they
                // must fail without waiting for it.
                .env("ATTAIN_DB_ACQUIRE_TIMEOUT", "60s")
                .env("ATTAIN_ORG_URL", format!("http://{scorecard_addr}")),
        )
    };
    let mut scorecard = serve(
        "scorecard",
        &scorecard_addr,
        &format!("127.0.0.1:{}", free_port()),
        "attain_scorecard",
    );
    let mut metrics = serve("metrics", &metrics_addr, &metrics_admin, "attain_metrics");
    let org = wait_serving_service(&scorecard_addr, "attain.org.v1.OrgService").await;
    let person = OrgServiceClient::with_interceptor(org, Bearer::new(&key))
        .create_person(CreatePersonRequest {
            person: Some(Person {
                display_name: "Ana".into(),
                sales_role: SalesRole::Sdr as i32,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("person")
        .into_inner()
        .person
        .expect("person")
        .id;
    let channel = wait_serving_service(&metrics_addr, "attain.metrics.v1.MetricsService").await;
    let mut client = MetricsServiceClient::with_interceptor(channel, Bearer::new(&key));
    let batches: Vec<Vec<Uuid>> = (0..200).map(|_| (0..100).map(|_| Uuid::now_v7()).collect()).collect();
    let messages = |batches: &[Vec<Uuid>]| -> Vec<StreamEventsRequest> {
        batches
            .iter()
            .map(|ids| StreamEventsRequest {
                events: batch(&person, ids).events,
            })
            .collect()
    };

    // The stream's messages trickle in, so PostgreSQL stops while it is open.
    let (tx, rx) = tokio::sync::mpsc::channel::<StreamEventsRequest>(1);
    let stream = tokio::spawn({
        let mut client = client.clone();
        async move {
            client
                .stream_events(tokio_stream::wrappers::ReceiverStream::new(rx))
                .await
        }
    });
    let outgoing = messages(&batches);
    let mut running = Some(pg);
    let mut sent = 0;
    for message in outgoing {
        if tx.send(message).await.is_err() {
            break;
        }
        sent += 1;
        if sent == 20
            && let Some(mut pg) = running.take()
        {
            tokio::task::spawn_blocking(move || pg.stop())
                .await
                .expect("stop PostgreSQL");
        }
    }
    drop(tx);
    let failed = stream
        .await
        .expect("join")
        .expect_err("the stream fails while the database is down");
    assert_eq!(failed.code(), Code::Unavailable, "{failed:?}");
    assert!(sent >= 20, "the database stopped mid-stream");

    // While it is down, calls fail at once with UNAVAILABLE rather than each waiting the pool's
    // acquire timeout: given a deadline shorter than that timeout, a call that waited would end
    // DEADLINE_EXCEEDED. Readiness says why, also without waiting.
    for _ in 0..3 {
        let mut request = tonic::Request::new(batch(&person, &[Uuid::now_v7()]));
        request.set_timeout(std::time::Duration::from_secs(20));
        let status = client.ingest_events(request).await.expect_err("the database is down");
        // The key is checked first, by the org directory, whose database is down too.
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
        assert!(status.message().contains("retry"), "{status:?}");
    }
    let ready = tokio::task::spawn_blocking({
        let admin = metrics_admin.clone();
        move || crate::http_get(&admin, "/readyz")
    })
    .await
    .expect("join");
    assert!(ready.starts_with("HTTP/1.1 503"), "{ready}");
    assert!(ready.contains("not ready: the database"), "{ready}");

    // PostgreSQL comes back where the services expect it; the integration resends everything
    // with the same ids until the stream is acknowledged.
    let _pg = tokio::task::spawn_blocking(start(Some(port)))
        .await
        .expect("join")
        .expect("PostgreSQL restarts on its port");
    let mut attempts = 0;
    let done = loop {
        attempts += 1;
        match client.stream_events(tokio_stream::iter(messages(&batches))).await {
            Ok(done) => break done.into_inner(),
            Err(e) if attempts < 20 && e.code() == Code::Unavailable => {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            Err(e) => panic!("the resent stream failed after {attempts} attempts: {e:?}"),
        }
    };
    assert_eq!(done.rejected_count, 0, "{done:?}");
    assert_eq!(
        (done.accepted_count + done.duplicate_count) as usize,
        batches.len() * 100,
        "{done:?}"
    );
    let owner = attain_runtime::db::connect_owner(&url).await.expect("connect");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM metrics.events")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(stored as usize, batches.len() * 100, "exactly what was sent, once each");
    owner.close().await;

    tokio::task::spawn_blocking(move || {
        metrics.terminate();
        scorecard.terminate();
    })
    .await
    .expect("stop");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The soak's short form: the realistic mix for a few seconds against all four services as
/// processes, which must end without a failed call. `attain bench load` runs the long form.
#[test]
fn the_load_mix_runs_against_all_four_services_without_a_failed_call() {
    let out = run_ok(attain().args([
        "bench",
        "load",
        "--seconds",
        "5",
        "--integrations",
        "1",
        "--managers",
        "2",
        "--coaches",
        "1",
    ]));
    for line in [
        "ingest 200 events",
        "person scorecard, month",
        "leaderboard top 10, week",
        "coaching session booked",
        "memory, MiB",
    ] {
        assert!(out.contains(line), "no \"{line}\" in:\n{out}");
    }
}
