//! The noisy neighbour of `attain bench load --noisy-neighbour`: a second tenant that holds 600
//! event streams open without sending anything (reopening them when the server ends them) and
//! floods `GetTotals` from several connections as fast as it is answered.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use attain_proto::{
    common::v1::Granularity,
    metrics::v1::{
        Event, GetTotalsRequest, Grouping, StreamEventsRequest, metrics_service_client::MetricsServiceClient,
    },
};
use attain_server::api;
use futures::StreamExt;
use tokio::task::JoinHandle;
use tonic::{Code, transport::Channel};
use uuid::Uuid;

use super::scorecard::calendar_period;

const STREAMS: usize = 600;
const CONNECTIONS: usize = 6;
const FLOODERS: usize = 4;

#[derive(Default)]
struct Counts {
    streams_refused: AtomicU64,
    streams_ended_idle: AtomicU64,
    reads_served: AtomicU64,
    reads_limited: AtomicU64,
    other_errors: AtomicU64,
}

pub struct Noise {
    tasks: Vec<JoinHandle<()>>,
    counts: Arc<Counts>,
}

impl Noise {
    pub async fn start(org: &Channel, metrics_url: &str, key: &str) -> anyhow::Result<Noise> {
        let person = super::platform::create_rep(org, key, "Noisy Rep").await?;
        let counts = Arc::new(Counts::default());
        let mut tasks = Vec::new();
        let endpoint = tonic::transport::Endpoint::from_shared(metrics_url.to_string())?;
        for _ in 0..CONNECTIONS {
            // Its own connections: one HTTP/2 connection carries a few hundred streams at most.
            let channel = endpoint.connect().await?;
            for _ in 0..STREAMS / CONNECTIONS {
                let (client, key, person, counts) = (
                    MetricsServiceClient::new(channel.clone()),
                    key.to_string(),
                    person.clone(),
                    counts.clone(),
                );
                tasks.push(tokio::spawn(idle_stream(client, key, person, counts)));
            }
        }
        for _ in 0..FLOODERS {
            let channel = endpoint.connect().await?;
            let (key, person, counts) = (key.to_string(), person.clone(), counts.clone());
            tasks.push(tokio::spawn(flood(
                MetricsServiceClient::new(channel),
                key,
                person,
                counts,
            )));
        }
        // Let the streams open before the mix starts.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        Ok(Noise { tasks, counts })
    }

    /// Stops the noise; what it got from the server.
    pub async fn stop(self) -> String {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks {
            let _ = task.await;
        }
        let c = &self.counts;
        format!(
            "the noisy tenant: {} stream opens refused (its share of open calls, or its ingest rate), {} streams \
             ended idle; {} reads served, {} refused (its share, or its read rate), {} other errors",
            c.streams_refused.load(Ordering::Relaxed),
            c.streams_ended_idle.load(Ordering::Relaxed),
            c.reads_served.load(Ordering::Relaxed),
            c.reads_limited.load(Ordering::Relaxed),
            c.other_errors.load(Ordering::Relaxed),
        )
    }
}

async fn idle_stream(mut client: MetricsServiceClient<Channel>, key: String, person: String, counts: Arc<Counts>) {
    loop {
        let first = StreamEventsRequest {
            events: vec![Event {
                event_id: Uuid::now_v7().to_string(),
                person_id: person.clone(),
                metric_key: "calls".into(),
                occurred_at: Some(prost_types::Timestamp {
                    seconds: chrono::Utc::now().timestamp(),
                    nanos: 0,
                }),
                ..Default::default()
            }],
        };
        let messages = futures::stream::iter([first]).chain(futures::stream::pending());
        let Ok(request) = api::authorized(messages, &key) else {
            return;
        };
        match client.stream_events(request).await {
            Err(s) if s.code() == Code::ResourceExhausted => {
                counts.streams_refused.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(s) if s.code() == Code::Aborted => {
                counts.streams_ended_idle.fetch_add(1, Ordering::Relaxed);
            }
            _ => {
                counts.other_errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        }
    }
}

async fn flood(mut client: MetricsServiceClient<Channel>, key: String, person: String, counts: Arc<Counts>) {
    let today = chrono::Utc::now().date_naive();
    loop {
        let request = GetTotalsRequest {
            person_ids: vec![person.clone()],
            metric_keys: vec!["calls".into()],
            period: calendar_period(Granularity::Month, today),
            grouping: Grouping::PerPerson as i32,
        };
        let Ok(request) = api::authorized(request, &key) else {
            return;
        };
        match client.get_totals(request).await {
            Ok(_) => counts.reads_served.fetch_add(1, Ordering::Relaxed),
            Err(s) if s.code() == Code::ResourceExhausted => counts.reads_limited.fetch_add(1, Ordering::Relaxed),
            Err(_) => counts.other_errors.fetch_add(1, Ordering::Relaxed),
        };
    }
}
