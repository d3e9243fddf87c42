//! GetMetricValues: the metrics service's totals for people the caller may see, for the other
//! services, which ask the scorecard service rather than the metrics service directly.

use std::collections::HashMap;

use attain_domain::period::{DateRange, PeriodSpec};
use attain_proto::metrics::v1::{Grouping, PersonTotals};
use attain_runtime::{ApiError, ApiResult, Ctx, dispatch::Decoded};
use chrono::Utc;
use uuid::Uuid;

use super::ScorecardApi;

/// Whose totals of which metrics, over which period.
pub struct ValuesQuery {
    pub people: Vec<Uuid>,
    pub metric_keys: Vec<String>,
    pub period: PeriodSpec,
    /// One row for all the people rather than one each.
    pub combined: bool,
}

/// The totals over the period, with the display names of the metrics the catalog knows.
pub struct MetricValues {
    pub range: DateRange,
    /// The metrics service's rows, as it answered them.
    pub rows: Vec<PersonTotals>,
    pub display_names: HashMap<String, String>,
}

impl ScorecardApi {
    /// The caller's view is loaded before their fields are answered.
    pub async fn metric_values(&self, ctx: &Ctx, query: Decoded<ValuesQuery>) -> ApiResult<MetricValues> {
        let view = self.view(ctx).await?;
        let q = query.get()?;
        let cal = &view.directory.calendar;
        let range = q.period.resolve(cal, cal.local_date(Utc::now()));
        if let Some(hidden) = q.people.iter().find(|p| view.visible_person(**p).is_none()) {
            return Err(ApiError::not_found(format!("person {hidden}")));
        }
        let grouping = if q.combined {
            Grouping::Combined
        } else {
            Grouping::PerPerson
        };
        let catalog = self.metrics.catalog(ctx, false).await?;
        let display_names = q
            .metric_keys
            .iter()
            .filter_map(|k| Some((k.clone(), catalog.get(k)?.display_name.clone())))
            .collect();
        let totals = self
            .metrics
            .totals(ctx, &q.people, &q.metric_keys, range, grouping)
            .await?;
        Ok(MetricValues {
            range,
            rows: totals.rows,
            display_names,
        })
    }
}
