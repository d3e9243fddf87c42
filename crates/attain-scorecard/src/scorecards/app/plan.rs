//! Quotas, target overrides and time off: what scales and replaces template targets (ramps are
//! in `ramps`).

use attain_domain::{
    Violations,
    org::check_optional_text,
    org_view::View,
    period::{DateRange, Granularity},
    scorecard::template::check_line_target,
};
use attain_proto::{common::v1 as common, scorecard::v1 as pb};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use uuid::Uuid;

use super::{ScorecardApi, access, resolve_period, template::target_from_proto};
use crate::scorecards::{
    audit_rows,
    plan_store::{self as plans, NewQuota, OverrideRecord, QuotaRecord, TimeOffRecord},
    store::Subject,
};

const MAX_TIME_OFF_DAYS: i64 = 366;

fn quota_kind(value: i32) -> Option<&'static str> {
    match pb::QuotaKind::try_from(value).ok()? {
        pb::QuotaKind::Unspecified => None,
        pb::QuotaKind::Activity => Some("activity"),
        pb::QuotaKind::Volume => Some("volume"),
        pb::QuotaKind::Profit => Some("profit"),
    }
}

fn quota_kind_to_proto(kind: &str) -> i32 {
    (match kind {
        "activity" => pb::QuotaKind::Activity,
        "volume" => pb::QuotaKind::Volume,
        "profit" => pb::QuotaKind::Profit,
        _ => pb::QuotaKind::Unspecified,
    }) as i32
}

fn granularity_to_proto(g: &str) -> i32 {
    (match g {
        "month" => common::Granularity::Month,
        "quarter" => common::Granularity::Quarter,
        "year" => common::Granularity::Year,
        _ => common::Granularity::Unspecified,
    }) as i32
}

fn range_to_proto(start: chrono::NaiveDate, end: chrono::NaiveDate) -> common::DateRange {
    common::DateRange {
        start_date: Some(convert::date_to_proto(start)),
        end_date: Some(convert::date_to_proto(end)),
    }
}

fn quota_to_proto(q: &QuotaRecord) -> pb::Quota {
    use pb::quota::Subject as S;
    pb::Quota {
        id: q.quota_id.to_string(),
        subject: match (q.person_id, q.team_id) {
            (Some(p), _) => Some(S::PersonId(p.to_string())),
            (None, Some(t)) => Some(S::TeamId(t.to_string())),
            (None, None) => None,
        },
        kind: quota_kind_to_proto(&q.kind),
        metric_key: q.metric_key.clone(),
        period: Some(common::CalendarPeriod {
            granularity: granularity_to_proto(&q.granularity),
            date: Some(convert::date_to_proto(q.start_date)),
        }),
        amount: q.amount,
        range: Some(range_to_proto(q.start_date, q.end_date)),
    }
}

fn quota_subject(v: &mut Violations, s: Option<&pb::quota::Subject>) -> Option<Subject> {
    use pb::quota::Subject as S;
    match s {
        Some(S::PersonId(id)) => convert::required_id(v, "quota.person_id", id).map(Subject::Person),
        Some(S::TeamId(id)) => convert::required_id(v, "quota.team_id", id).map(Subject::Team),
        None => {
            v.add("quota.subject", "give person_id or team_id");
            None
        }
    }
}

/// Ok when the caller may change `subject`'s quotas.
fn manage(ctx: &Ctx, view: &View, subject: Subject) -> ApiResult<()> {
    match subject {
        Subject::Person(p) => access::manage_person(ctx, view, p),
        Subject::Team(t) => access::manage_team(ctx, view, t),
    }
}

pub async fn set_quota(api: &ScorecardApi, ctx: &Ctx, req: pb::SetQuotaRequest) -> ApiResult<pb::SetQuotaResponse> {
    let q = req.quota.unwrap_or_default();
    let mut v = Violations::new();
    let subject = quota_subject(&mut v, q.subject.as_ref());
    let kind = quota_kind(q.kind);
    if kind.is_none() {
        v.add(
            "quota.kind",
            "must be one of the QUOTA_KIND_ values other than UNSPECIFIED",
        );
    }
    if q.amount < 0 {
        v.add("quota.amount", "must not be negative");
    }
    let catalog = api.metrics.catalog(ctx, false).await?;
    match catalog.get(&q.metric_key) {
        None => v.add(
            "quota.metric_key",
            format!("no metric \"{}\" in the catalog", q.metric_key.escape_debug()),
        ),
        Some(m) if m.shape != attain_domain::scorecard::template::Shape::Additive => v.add(
            "quota.metric_key",
            "must be a COUNT or SUM metric: quotas add up over days",
        ),
        Some(_) => {}
    }
    let period = q.period.unwrap_or_default();
    let granularity = match attain_runtime::enums::from_wire(period.granularity) {
        Some(g @ (Granularity::Month | Granularity::Quarter | Granularity::Year)) => Some(g),
        _ => {
            v.add(
                "quota.period.granularity",
                "must be GRANULARITY_MONTH, GRANULARITY_QUARTER or GRANULARITY_YEAR",
            );
            None
        }
    };
    let date = convert::required_date(&mut v, "quota.period.date", period.date.as_ref());
    let (subject, kind, granularity, date) = match v.into_result((subject, kind, granularity, date))? {
        (Some(s), Some(k), Some(g), Some(d)) => (s, k, g, d),
        _ => return Err(ApiError::invalid("quota", "is required")),
    };
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    manage(ctx, &view, subject)?;
    let range = view.directory.calendar.period_containing(granularity, date);
    let new = NewQuota {
        subject,
        kind,
        metric_key: &q.metric_key,
        granularity: match granularity {
            Granularity::Month => "month",
            Granularity::Quarter => "quarter",
            _ => "year",
        },
        start: range.start,
        end: range.end,
        amount: q.amount,
    };
    let before = audit_rows::quota(&mut tx, tenant, subject, &q.metric_key, range.start, range.end).await?;
    let record = plans::upsert_quota(&mut tx, tenant, &new).await?;
    let after = audit_rows::quota_by_id(&mut tx, tenant, record.quota_id).await?;
    audit_rows::record(&mut tx, "quota", record.quota_id, before, after).await?;
    tx.commit().await?;
    Ok(pb::SetQuotaResponse {
        quota: Some(quota_to_proto(&record)),
    })
}

pub async fn list_quotas(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListQuotasRequest,
) -> ApiResult<pb::ListQuotasResponse> {
    use pb::list_quotas_request::Subject as S;
    let mut v = Violations::new();
    let subject = match req.subject.as_ref() {
        Some(S::PersonId(id)) => convert::required_id(&mut v, "person_id", id).map(Subject::Person),
        Some(S::TeamId(id)) => convert::required_id(&mut v, "team_id", id).map(Subject::Team),
        None => {
            v.add("subject", "give person_id or team_id");
            None
        }
    };
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let cal = view.directory.calendar.clone();
    let range = resolve_period(&mut v, "period", req.period.as_ref(), &cal);
    let (subject, range) = match v.into_result((subject, range))? {
        (Some(s), Some(r)) => (s, r),
        _ => return Err(ApiError::invalid("period", "is required")),
    };
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
    Ok(pb::ListQuotasResponse {
        quotas: quotas.iter().map(quota_to_proto).collect(),
    })
}

pub async fn delete_quota(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::DeleteQuotaRequest,
) -> ApiResult<pb::DeleteQuotaResponse> {
    let id = required_id("id", &req.id)?;
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
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
    Ok(pb::DeleteQuotaResponse {})
}

fn required_id(field: &str, text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, field, text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid(field, "is required"))
}

pub async fn set_override(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::SetTargetOverrideRequest,
) -> ApiResult<pb::SetTargetOverrideResponse> {
    let o = req.target_override.unwrap_or_default();
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "target_override.person_id", &o.person_id);
    if o.metric_key.is_empty() {
        v.add("target_override.metric_key", "is required");
    }
    let target = o.target.as_ref().map(target_from_proto);
    if let Some(t) = &target {
        let catalog = api.metrics.catalog(ctx, false).await?;
        match catalog.get(&o.metric_key) {
            None if !o.metric_key.is_empty() => v.add(
                "target_override.metric_key",
                format!("no metric \"{}\" in the catalog", o.metric_key.escape_debug()),
            ),
            None => {}
            Some(m) => v.extend_prefixed("target_override.target", check_line_target(t, m.shape)),
        }
    }
    let person = v
        .into_result(person)?
        .ok_or_else(|| ApiError::invalid("target_override.person_id", "is required"))?;
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    access::manage_person(ctx, &view, person)?;
    let before = audit_rows::target_override(&mut tx, tenant, person, &o.metric_key).await?;
    match target {
        Some(t) => {
            let record = OverrideRecord {
                person_id: person,
                metric_key: o.metric_key.clone(),
                daily: t.spec.daily,
                weekly: t.spec.weekly,
                monthly: t.spec.monthly,
                quarterly: t.spec.quarterly,
                level: t.level,
            };
            plans::set_override(&mut tx, tenant, &record).await?;
        }
        None => plans::clear_override(&mut tx, tenant, person, &o.metric_key).await?,
    }
    let after = audit_rows::target_override(&mut tx, tenant, person, &o.metric_key).await?;
    let id = format!("{person}/{}", o.metric_key);
    audit_rows::record(&mut tx, "target_override", id, before, after).await?;
    tx.commit().await?;
    Ok(pb::SetTargetOverrideResponse {})
}

fn time_off_to_proto(t: &TimeOffRecord) -> pb::TimeOff {
    pb::TimeOff {
        id: t.time_off_id.to_string(),
        person_id: t.person_id.to_string(),
        range: Some(range_to_proto(t.start_date, t.end_date)),
        reason: t.reason.clone(),
    }
}

pub async fn create_time_off(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::CreateTimeOffRequest,
) -> ApiResult<pb::CreateTimeOffResponse> {
    let t = req.time_off.unwrap_or_default();
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "time_off.person_id", &t.person_id);
    let r = t.range.unwrap_or_default();
    let start = convert::required_date(&mut v, "time_off.range.start_date", r.start_date.as_ref());
    let end = convert::required_date(&mut v, "time_off.range.end_date", r.end_date.as_ref());
    let range = match (start, end) {
        (Some(s), Some(e)) => v.check("time_off.range", DateRange::new(s, e)),
        _ => None,
    };
    if let Some(r) = range
        && r.days() > MAX_TIME_OFF_DAYS
    {
        v.add("time_off.range", format!("at most {MAX_TIME_OFF_DAYS} days"));
    }
    check_optional_text(&mut v, "time_off.reason", &t.reason, 200);
    let (person, range) = match v.into_result((person, range))? {
        (Some(p), Some(r)) => (p, r),
        _ => return Err(ApiError::invalid("time_off", "is required")),
    };
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    access::manage_person(ctx, &view, person)?;
    let record = plans::insert_time_off(&mut tx, tenant, person, range.start, range.end, &t.reason).await?;
    tx.commit().await?;
    Ok(pb::CreateTimeOffResponse {
        time_off: Some(time_off_to_proto(&record)),
    })
}

pub async fn list_time_off(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListTimeOffRequest,
) -> ApiResult<pb::ListTimeOffResponse> {
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "person_id", &req.person_id);
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let cal = view.directory.calendar.clone();
    let range = resolve_period(&mut v, "period", req.period.as_ref(), &cal);
    let (person, range) = match v.into_result((person, range))? {
        (Some(p), Some(r)) => (p, r),
        _ => return Err(ApiError::invalid("period", "is required")),
    };
    access::see_person(&view, person)?;
    let entries = plans::time_off(&mut tx, tenant, &[person], range.start, range.end).await?;
    tx.commit().await?;
    Ok(pb::ListTimeOffResponse {
        time_off: entries.iter().map(time_off_to_proto).collect(),
    })
}

pub async fn delete_time_off(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::DeleteTimeOffRequest,
) -> ApiResult<pb::DeleteTimeOffResponse> {
    let id = required_id("id", &req.id)?;
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let entry = plans::get_time_off(&mut tx, tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("time off {id}")))?;
    access::manage_person(ctx, &view, entry.person_id)?;
    plans::delete_time_off(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Ok(pb::DeleteTimeOffResponse {})
}
