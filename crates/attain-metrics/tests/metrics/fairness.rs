//! Fair sharing: one tenant holding hundreds of idle streams and calling at its rate limit
//! leaves the other tenants' calls alone.

use std::time::Duration;

use attain_proto::metrics::v1::*;
use attain_runtime::config::{DEFAULT_RATE_LIMITS, ServerArgs};
use attain_testing::{Bearer, TestApp};
use tonic::{Code, service::interceptor::InterceptedService, transport::Channel};

use crate::{at, event, person};

type Client = metrics_service_client::MetricsServiceClient<InterceptedService<Channel, Bearer>>;

/// Opens a StreamEvents call that sends one event and then nothing: it ends when the server
/// ends it (idle, or refused at once).
async fn idle_stream(mut client: Client, first: Event) -> tonic::Status {
    let messages =
        futures::stream::iter([StreamEventsRequest { events: vec![first] }]).chain(futures::stream::pending());
    match client.stream_events(messages).await {
        Ok(response) => tonic::Status::ok(format!("ended: {:?}", response.into_inner())),
        Err(status) => status,
    }
}

use futures::StreamExt;

#[tokio::test]
async fn six_hundred_idle_streams_and_a_flood_leave_another_tenants_calls_alone() {
    let app = TestApp::start_with(ServerArgs {
        rate_limits: DEFAULT_RATE_LIMITS.parse().expect("the default limits"),
        stream_idle_timeout: Duration::from_secs(3),
        ..ServerArgs::default()
    })
    .await;
    let (noisy, quiet) = (app.tenant("Noisy").await, app.tenant("Quiet").await);
    let noisy_rep = person(&mut app.org(&noisy.admin_key).await, "Nell", None).await;
    let quiet_rep = person(&mut app.org(&quiet.admin_key).await, "Quinn", None).await;
    let day = at(2026, 3, 2, 15, 0);

    // 600 idle streams over six connections (a connection carries at most a few hundred).
    let mut streams = Vec::new();
    for c in 0..6 {
        let client = app.metrics(&noisy.admin_key).await;
        for _ in 0..100 {
            let first = event(&noisy_rep, "calls", day, None);
            streams.push(tokio::spawn(idle_stream(client.clone(), first)));
        }
        assert!(c < 6);
    }
    // And a flood of reads at (and past) the noisy tenant's rate limit.
    let flood_until = tokio::time::Instant::now() + Duration::from_secs(2);
    let mut flood = Vec::new();
    for _ in 0..8 {
        let mut client = app.metrics(&noisy.admin_key).await;
        let rep = noisy_rep.clone();
        flood.push(tokio::spawn(async move {
            let (mut served, mut limited) = (0, 0);
            while tokio::time::Instant::now() < flood_until {
                let totals = client
                    .get_totals(GetTotalsRequest {
                        person_ids: vec![rep.clone()],
                        metric_keys: vec!["calls".into()],
                        period: crate::calendar(attain_proto::common::v1::Granularity::Month, (2026, 3, 2)),
                        grouping: Grouping::PerPerson as i32,
                    })
                    .await;
                match totals {
                    Ok(_) => served += 1,
                    Err(s) if s.code() == Code::ResourceExhausted => limited += 1,
                    Err(s) => panic!("the noisy tenant's own call failed otherwise: {s:?}"),
                }
            }
            (served, limited)
        }));
    }

    // Meanwhile the other tenant's normal mix: ingest, totals, the catalog. None may fail.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut quiet_client = app.metrics(&quiet.admin_key).await;
    for n in 0..40 {
        let response = quiet_client
            .ingest_events(IngestEventsRequest {
                events: vec![event(&quiet_rep, "calls", day, Some(1))],
            })
            .await
            .unwrap_or_else(|e| panic!("quiet ingest {n}: {e:?}"));
        assert_eq!(response.into_inner().accepted_count, 1);
        quiet_client
            .get_totals(GetTotalsRequest {
                person_ids: vec![quiet_rep.clone()],
                metric_keys: vec!["calls".into()],
                period: crate::calendar(attain_proto::common::v1::Granularity::Month, (2026, 3, 2)),
                grouping: Grouping::PerPerson as i32,
            })
            .await
            .unwrap_or_else(|e| panic!("quiet totals {n}: {e:?}"));
        quiet_client
            .list_metrics(ListMetricsRequest::default())
            .await
            .unwrap_or_else(|e| panic!("quiet catalog {n}: {e:?}"));
    }

    let (mut served, mut limited) = (0, 0);
    for f in flood {
        let (s, l) = f.await.expect("flood task");
        served += s;
        limited += l;
    }
    // With its share taken by its own streams, or past its rate, the flood is refused at once
    // rather than served slower (and never fails otherwise: checked in the loop above).
    assert!(
        served + limited > 0,
        "the flood ran: {served} served, {limited} refused"
    );

    // The noisy tenant got its share of streams, the rest were refused at once, and the idle
    // ones were ended after the idle gap with a status that says so.
    let (mut refused, mut ended_idle) = (0, 0);
    for s in streams {
        let status = s.await.expect("stream task");
        match status.code() {
            Code::ResourceExhausted => {
                // Past its share of open calls, or past its ingest rate (a stream is an ingest
                // call): refused at once either way.
                let m = status.message();
                assert!(m.contains("calls open") || m.contains("limited to"), "{status:?}");
                refused += 1;
            }
            Code::Aborted => {
                assert!(status.message().contains("no message for"), "{status:?}");
                ended_idle += 1;
            }
            other => panic!("a stream ended with {other:?}: {status:?}"),
        }
    }
    assert_eq!(refused + ended_idle, 600);
    assert!(ended_idle <= 128, "at most the tenant's share was open: {ended_idle}");
    assert!(ended_idle > 0, "the share was used");
}
