//! Quotas, target overrides and time off: what scales and replaces template targets (ramps are
//! in `ramps`).

use attain_domain::{
    Violations,
    org_view::View,
    period::{DateRange, Granularity, PeriodSpec},
    scorecard::template::{LineTarget, Shape, check_line_target},
};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, dispatch::Decoded};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{Partial, ScorecardApi, access};
use crate::scorecards::{
    audit_rows,
    plan_store::{self as plans, NewQuota, OverrideRecord, QuotaRecord, TimeOffRecord},
    store::Subject,
};

/// A quota to set: the metric (checked against the catalog by the use case) and amount, and
/// the fields the decoder checked.
pub struct QuotaInput {
    pub metric_key: String,
    pub amount: i64,
    pub fields: Partial<QuotaFields>,
}

/// Whose quota, of what kind, for which calendar period.
pub struct QuotaFields {
    pub subject: Subject,
    /// `activity`, `volume` or `profit`.
    pub kind: &'static str,
    /// A month, quarter or year.
    pub granularity: Granularity,
    /// A day of the period.
    pub date: NaiveDate,
}

/// Whose quotas to list, over which period.
pub struct QuotaQuery {
    pub subject: Subject,
    pub period: PeriodSpec,
}

/// A person's target override for one metric: set to `target`, or cleared when `None`.
pub struct OverrideInput {
    pub metric_key: String,
    pub target: Option<LineTarget>,
    /// The person, as the decoder found it; answered with the catalog's findings.
    pub person: Partial<Uuid>,
}

/// Time off to record.
pub struct NewTimeOff {
    pub person_id: Uuid,
    pub range: DateRange,
    pub reason: String,
}

/// Whose time off to list, over which period.
pub struct TimeOffQuery {
    pub person_id: Uuid,
    pub period: PeriodSpec,
}

/// Ok when the caller may change `subject`'s quotas.
fn manage(ctx: &Ctx, view: &View, subject: Subject) -> ApiResult<()> {
    match subject {
        Subject::Person(p) => access::manage_person(ctx, view, p),
        Subject::Team(t) => access::manage_team(ctx, view, t),
    }
}

impl ScorecardApi {
    /// The fields are checked (the metric against the catalog) before the caller.
    pub async fn set_quota(&self, ctx: &Ctx, input: QuotaInput) -> ApiResult<QuotaRecord> {
        let mut found = Violations::new();
        let catalog = self.metrics.catalog(ctx, false).await?;
        match catalog.get(&input.metric_key) {
            None => found.add(
                "quota.metric_key",
                format!("no metric \"{}\" in the catalog", input.metric_key.escape_debug()),
            ),
            Some(m) if m.shape != Shape::Additive => found.add(
                "quota.metric_key",
                "must be a COUNT or SUM metric: quotas add up over days",
            ),
            Some(_) => {}
        }
        let QuotaFields {
            subject,
            kind,
            granularity,
            date,
        } = input.fields.check(found)?;
        let tenant = ctx.tenant_id;
        let view = self.view(ctx).await?;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        manage(ctx, &view, subject)?;
        let range = view.directory.calendar.period_containing(granularity, date);
        let new = NewQuota {
            subject,
            kind,
            metric_key: &input.metric_key,
            granularity: match granularity {
                Granularity::Month => "month",
                Granularity::Quarter => "quarter",
                _ => "year",
            },
            start: range.start,
            end: range.end,
            amount: input.amount,
        };
        let before = audit_rows::quota(&mut tx, tenant, subject, &input.metric_key, range.start, range.end).await?;
        let record = plans::upsert_quota(&mut tx, tenant, &new).await?;
        let after = audit_rows::quota_by_id(&mut tx, tenant, record.quota_id).await?;
        audit_rows::record(&mut tx, "quota", record.quota_id, before, after).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The caller's view is loaded before their fields are answered.
    pub async fn list_quotas(&self, ctx: &Ctx, query: Decoded<QuotaQuery>) -> ApiResult<Vec<QuotaRecord>> {
        let tenant = ctx.tenant_id;
        let view = self.view(ctx).await?;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let QuotaQuery { subject, period } = query.get()?;
        let cal = &view.directory.calendar;
        let range = period.resolve(cal, cal.local_date(Utc::now()));
        let (people, teams) = match subject {
            Subject::Person(p) => {
                access::see_person(&view, p)?;
                (vec![p], vec![])
            }
            Subject::Team(t) => {
                access::see_team_members(&view, t)?;
                (vec![], vec![t])
            }
        };
        let quotas = plans::quotas(&mut tx, tenant, &people, &teams, range.start, range.end).await?;
        tx.commit().await?;
        Ok(quotas)
    }

    /// The id is checked before the caller.
    pub async fn delete_quota(&self, ctx: &Ctx, id: Uuid) -> ApiResult<()> {
        let tenant = ctx.tenant_id;
        let view = self.view(ctx).await?;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let quota = plans::get_quota(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("quota {id}")))?;
        let subject = match (quota.person_id, quota.team_id) {
            (Some(p), _) => Subject::Person(p),
            (None, Some(t)) => Subject::Team(t),
            (None, None) => return Err(ApiError::not_found(format!("quota {id}"))),
        };
        manage(ctx, &view, subject)?;
        let before = audit_rows::quota_by_id(&mut tx, tenant, id).await?;
        plans::delete_quota(&mut tx, tenant, id).await?;
        audit_rows::record(&mut tx, "quota", id, before, None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The fields are checked (a target against its metric in the catalog) before the caller.
    pub async fn set_target_override(&self, ctx: &Ctx, input: OverrideInput) -> ApiResult<()> {
        let OverrideInput {
            metric_key,
            target,
            person,
        } = input;
        let mut found = Violations::new();
        if let Some(t) = &target {
            let catalog = self.metrics.catalog(ctx, false).await?;
            match catalog.get(&metric_key) {
                None if !metric_key.is_empty() => found.add(
                    "target_override.metric_key",
                    format!("no metric \"{}\" in the catalog", metric_key.escape_debug()),
                ),
                None => {}
                Some(m) => found.extend_prefixed("target_override.target", check_line_target(t, m.shape)),
            }
        }
        let person = person.check(found)?;
        let tenant = ctx.tenant_id;
        let view = self.view(ctx).await?;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        access::manage_person(ctx, &view, person)?;
        let before = audit_rows::target_override(&mut tx, tenant, person, &metric_key).await?;
        match target {
            Some(t) => {
                let record = OverrideRecord {
                    person_id: person,
                    metric_key: metric_key.clone(),
                    daily: t.spec.daily,
                    weekly: t.spec.weekly,
                    monthly: t.spec.monthly,
                    quarterly: t.spec.quarterly,
                    level: t.level,
                };
                plans::set_override(&mut tx, tenant, &record).await?;
            }
            None => plans::clear_override(&mut tx, tenant, person, &metric_key).await?,
        }
        let after = audit_rows::target_override(&mut tx, tenant, person, &metric_key).await?;
        let id = format!("{person}/{metric_key}");
        audit_rows::record(&mut tx, "target_override", id, before, after).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The fields are checked before the caller.
    pub async fn create_time_off(&self, ctx: &Ctx, input: NewTimeOff) -> ApiResult<TimeOffRecord> {
        let tenant = ctx.tenant_id;
        let view = self.view(ctx).await?;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        access::manage_person(ctx, &view, input.person_id)?;
        let record = plans::insert_time_off(
            &mut tx,
            tenant,
            input.person_id,
            input.range.start,
            input.range.end,
            &input.reason,
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The caller's view is loaded before their fields are answered.
    pub async fn list_time_off(&self, ctx: &Ctx, query: Decoded<TimeOffQuery>) -> ApiResult<Vec<TimeOffRecord>> {
        let tenant = ctx.tenant_id;
        let view = self.view(ctx).await?;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let TimeOffQuery { person_id, period } = query.get()?;
        let cal = &view.directory.calendar;
        let range = period.resolve(cal, cal.local_date(Utc::now()));
        access::see_person(&view, person_id)?;
        let entries = plans::time_off(&mut tx, tenant, &[person_id], range.start, range.end).await?;
        tx.commit().await?;
        Ok(entries)
    }

    /// The id is checked before the caller.
    pub async fn delete_time_off(&self, ctx: &Ctx, id: Uuid) -> ApiResult<()> {
        let tenant = ctx.tenant_id;
        let view = self.view(ctx).await?;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let entry = plans::get_time_off(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("time off {id}")))?;
        access::manage_person(ctx, &view, entry.person_id)?;
        plans::delete_time_off(&mut tx, tenant, id).await?;
        tx.commit().await?;
        Ok(())
    }
}
