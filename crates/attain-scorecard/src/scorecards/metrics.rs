//! The metrics service as the scorecard service sees it: the tenant's catalog (cached briefly)
//! and totals, always on the original caller's behalf so its access rules apply too.

use std::{collections::HashMap, sync::Arc};

use attain_domain::{metric::Direction, period::DateRange, scorecard::template::Shape};
use attain_proto::metrics::v1::{
    Aggregation, Event, GetTopPeopleRequest, GetTopPeopleResponse, GetTotalsRequest, GetTotalsResponse, Grouping,
    IngestEventsRequest, IngestEventsResponse, ListMetricsRequest, Unit, metrics_service_client::MetricsServiceClient,
};
use attain_runtime::{
    ApiError, Ctx,
    clients::{PAGE_SIZE, every_page},
    convert,
    enums::from_wire,
    peer::{Cache, PeerChannel, peer_error, request},
};
use uuid::Uuid;

/// What the scorecard needs to know of a metric.
#[derive(Debug, Clone)]
pub struct MetricInfo {
    pub display_name: String,
    pub shape: Shape,
    /// MAX metrics combine over people by taking the largest value, the rest by adding.
    pub is_max: bool,
    /// Money in minor units of the tenant's currency.
    pub is_money: bool,
    /// A state (gauge, AGGREGATION_LATEST) such as open pipeline: a value as of a day.
    pub is_state: bool,
    pub direction: Direction,
    /// "activity", "objective", "result" or "efficiency".
    pub layer: &'static str,
}

pub type Catalog = Arc<HashMap<String, MetricInfo>>;

/// Values one totals answer may carry: about 20 bytes each on the wire, so a couple of MB,
/// well under the 4 MiB a gRPC client accepts by default.
const VALUES_PER_CALL: usize = 100_000;
/// People one totals request may name (the metrics service's limit).
const PEOPLE_PER_CALL: usize = 10_000;
/// Slices of one large read asked at once.
const SLICES_AT_ONCE: usize = 4;

pub struct Metrics {
    client: MetricsServiceClient<PeerChannel>,
    catalogs: Cache<Uuid, Catalog>,
    values_per_call: usize,
}

fn metrics_error(status: tonic::Status) -> ApiError {
    peer_error("the metrics service", status)
}

impl Metrics {
    /// Connects lazily to the metrics service at `url`, e.g. `http://metrics:50051`.
    pub fn new(url: &str) -> anyhow::Result<Metrics> {
        let channel = PeerChannel::lazy(url, "ATTAIN_METRICS_URL")?;
        Ok(Metrics {
            client: MetricsServiceClient::new(channel),
            catalogs: Cache::new(),
            values_per_call: VALUES_PER_CALL,
        })
    }

    /// Asks per-person totals in slices of at most about `values` values (tests slice small
    /// reads to check that the slices add up to the whole).
    pub fn with_values_per_call(mut self, values: usize) -> Metrics {
        self.values_per_call = values.max(1);
        self
    }

    /// Sends events on `credential` (an INTEGRATION key: the detector's system key), e.g. each
    /// praise as its recipient's `praise_received`.
    pub async fn ingest(&self, ctx: &Ctx, events: Vec<Event>) -> Result<IngestEventsResponse, ApiError> {
        Ok(self
            .client
            .clone()
            .ingest_events(request(ctx, IngestEventsRequest { events })?)
            .await
            .map_err(metrics_error)?
            .into_inner())
    }

    /// The tenant's metrics by key; `fresh` skips the cache (to check a template being saved
    /// against a metric created a moment ago).
    pub async fn catalog(&self, ctx: &Ctx, fresh: bool) -> Result<Catalog, ApiError> {
        if !fresh && let Some(catalog) = self.catalogs.get(&ctx.tenant_id) {
            return Ok(catalog);
        }
        let metrics = every_page(|page_token| async move {
            let message = ListMetricsRequest {
                page_size: PAGE_SIZE,
                page_token,
                include_retired: true,
            };
            let page = self
                .client
                .clone()
                .list_metrics(request(ctx, message)?)
                .await
                .map_err(metrics_error)?
                .into_inner();
            Ok::<_, ApiError>((page.metrics, page.next_page_token))
        })
        .await?;
        let mut out = HashMap::new();
        for m in metrics {
            let is_ratio = m.ratio.is_some();
            let is_max = !is_ratio && m.aggregation == Aggregation::Max as i32;
            // A state (open pipeline) is as of a day: a level, never pro-rated.
            let is_state = !is_ratio && m.aggregation == Aggregation::Latest as i32;
            let info = MetricInfo {
                display_name: m.display_name,
                shape: if is_ratio || is_max || is_state {
                    Shape::Level
                } else {
                    Shape::Additive
                },
                is_max,
                is_state,
                is_money: m.unit == Unit::CurrencyMinor as i32,
                layer: from_wire::<attain_domain::metric::Layer>(m.layer).map_or("result", |l| l.as_str()),
                direction: from_wire(m.direction).unwrap_or(Direction::HigherIsBetter),
            };
            out.insert(m.key, info);
        }
        let catalog = Arc::new(out);
        self.catalogs.put(ctx.tenant_id, catalog.clone());
        Ok(catalog)
    }

    /// Totals of `keys` for `people` over `range`. Per-person groupings are asked in slices of
    /// people, so that no answer outgrows a gRPC message: a year of days for a thousand reps is
    /// millions of values (the milestone detector, the KPIs of a large subtree).
    pub async fn totals(
        &self,
        ctx: &Ctx,
        people: &[Uuid],
        keys: &[String],
        range: DateRange,
        grouping: Grouping,
    ) -> Result<GetTotalsResponse, ApiError> {
        let per_person = match grouping {
            Grouping::PerPersonDay => keys.len().max(1) * (range.days() as usize).max(1),
            Grouping::PerPerson => keys.len().max(1),
            // Combined answers are one row, or one per day: nothing to slice (or to join).
            _ => return self.totals_once(ctx, people, keys, range, grouping).await,
        };
        let slice = (self.values_per_call / per_person).clamp(1, PEOPLE_PER_CALL);
        if people.len() <= slice {
            return self.totals_once(ctx, people, keys, range, grouping).await;
        }
        let mut whole = GetTotalsResponse::default();
        for group in people.chunks(slice * SLICES_AT_ONCE) {
            let mut asks = Vec::with_capacity(SLICES_AT_ONCE);
            for part in group.chunks(slice) {
                asks.push(self.totals_once(ctx, part, keys, range, grouping));
            }
            for answer in futures::future::try_join_all(asks).await? {
                whole.range = whole.range.or(answer.range);
                whole.rows.extend(answer.rows);
            }
        }
        Ok(whole)
    }

    async fn totals_once(
        &self,
        ctx: &Ctx,
        people: &[Uuid],
        keys: &[String],
        range: DateRange,
        grouping: Grouping,
    ) -> Result<GetTotalsResponse, ApiError> {
        let message = GetTotalsRequest {
            person_ids: people.iter().map(Uuid::to_string).collect(),
            metric_keys: keys.to_vec(),
            period: Some(convert::range_period(range)),
            grouping: grouping as i32,
        };
        Ok(self
            .client
            .clone()
            .get_totals(request(ctx, message)?)
            .await
            .map_err(metrics_error)?
            .into_inner())
    }

    /// The top people on `key` over `range` among `people` (empty: everyone in the tenant),
    /// with the rows of `also` wherever they rank.
    #[allow(clippy::too_many_arguments)]
    pub async fn top(
        &self,
        ctx: &Ctx,
        key: &str,
        range: DateRange,
        people: &[Uuid],
        limit: i32,
        min_denominator: i64,
        also: &[Uuid],
    ) -> Result<GetTopPeopleResponse, ApiError> {
        let message = GetTopPeopleRequest {
            metric_key: key.to_string(),
            period: Some(convert::range_period(range)),
            limit,
            person_ids: people.iter().map(Uuid::to_string).collect(),
            min_denominator,
            also_person_ids: also.iter().map(Uuid::to_string).collect(),
        };
        Ok(self
            .client
            .clone()
            .get_top_people(request(ctx, message)?)
            .await
            .map_err(metrics_error)?
            .into_inner())
    }
}
