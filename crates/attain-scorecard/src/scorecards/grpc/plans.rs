//! Quotas, target overrides and time off on the wire.

use attain_domain::{
    Violations,
    org::check_optional_text,
    period::{DateRange, Granularity},
};
use attain_proto::{common::v1 as common, scorecard::v1 as pb};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, enums::from_wire};

use super::decode::{self, required_id};
use crate::scorecards::{
    app::{
        Partial, ScorecardApi,
        plan::{NewTimeOff, OverrideInput, QuotaFields, QuotaInput, QuotaQuery, TimeOffQuery},
    },
    plan_store::{QuotaRecord, TimeOffRecord},
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

fn range(start: chrono::NaiveDate, end: chrono::NaiveDate) -> common::DateRange {
    common::DateRange {
        start_date: Some(convert::date_to_proto(start)),
        end_date: Some(convert::date_to_proto(end)),
    }
}

fn quota(q: &QuotaRecord) -> pb::Quota {
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
        range: Some(range(q.start_date, q.end_date)),
    }
}

fn time_off(t: &TimeOffRecord) -> pb::TimeOff {
    pb::TimeOff {
        id: t.time_off_id.to_string(),
        person_id: t.person_id.to_string(),
        range: Some(range(t.start_date, t.end_date)),
        reason: t.reason.clone(),
    }
}

fn quota_input(req: pb::SetQuotaRequest) -> QuotaInput {
    use pb::quota::Subject as S;
    let q = req.quota.unwrap_or_default();
    let mut v = Violations::new();
    let subject = match q.subject.as_ref() {
        Some(S::PersonId(id)) => convert::required_id(&mut v, "quota.person_id", id).map(Subject::Person),
        Some(S::TeamId(id)) => convert::required_id(&mut v, "quota.team_id", id).map(Subject::Team),
        None => {
            v.add("quota.subject", "give person_id or team_id");
            None
        }
    };
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
    let period = q.period.unwrap_or_default();
    let granularity = match from_wire(period.granularity) {
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
    let fields = match (subject, kind, granularity, date) {
        (Some(subject), Some(kind), Some(granularity), Some(date)) => Some(QuotaFields {
            subject,
            kind,
            granularity,
            date,
        }),
        _ => None,
    };
    QuotaInput {
        metric_key: q.metric_key,
        amount: q.amount,
        fields: Partial::new(v, fields, "quota", "is required"),
    }
}

pub async fn set_quota(api: &ScorecardApi, ctx: &Ctx, req: pb::SetQuotaRequest) -> ApiResult<pb::SetQuotaResponse> {
    let record = api.set_quota(ctx, quota_input(req)).await?;
    Ok(pb::SetQuotaResponse {
        quota: Some(quota(&record)),
    })
}

fn quota_query(req: &pb::ListQuotasRequest) -> ApiResult<QuotaQuery> {
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
    let period = convert::period_spec(&mut v, "period", req.period.as_ref());
    match v.into_result((subject, period))? {
        (Some(subject), Some(period)) => Ok(QuotaQuery { subject, period }),
        _ => Err(ApiError::invalid("period", "is required")),
    }
}

pub async fn list_quotas(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListQuotasRequest,
) -> ApiResult<pb::ListQuotasResponse> {
    let quotas = api.list_quotas(ctx, quota_query(&req).into()).await?;
    Ok(pb::ListQuotasResponse {
        quotas: quotas.iter().map(quota).collect(),
    })
}

pub async fn delete_quota(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::DeleteQuotaRequest,
) -> ApiResult<pb::DeleteQuotaResponse> {
    let id = required_id("id", &req.id)?;
    api.delete_quota(ctx, id).await?;
    Ok(pb::DeleteQuotaResponse {})
}

fn override_input(req: pb::SetTargetOverrideRequest) -> OverrideInput {
    let o = req.target_override.unwrap_or_default();
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "target_override.person_id", &o.person_id);
    if o.metric_key.is_empty() {
        v.add("target_override.metric_key", "is required");
    }
    OverrideInput {
        target: o.target.as_ref().map(decode::target),
        metric_key: o.metric_key,
        person: Partial::new(v, person, "target_override.person_id", "is required"),
    }
}

pub async fn set_target_override(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::SetTargetOverrideRequest,
) -> ApiResult<pb::SetTargetOverrideResponse> {
    api.set_target_override(ctx, override_input(req)).await?;
    Ok(pb::SetTargetOverrideResponse {})
}

fn new_time_off(req: pb::CreateTimeOffRequest) -> ApiResult<NewTimeOff> {
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
    match v.into_result((person, range))? {
        (Some(person_id), Some(range)) => Ok(NewTimeOff {
            person_id,
            range,
            reason: t.reason,
        }),
        _ => Err(ApiError::invalid("time_off", "is required")),
    }
}

pub async fn create_time_off(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::CreateTimeOffRequest,
) -> ApiResult<pb::CreateTimeOffResponse> {
    let record = api.create_time_off(ctx, new_time_off(req)?).await?;
    Ok(pb::CreateTimeOffResponse {
        time_off: Some(time_off(&record)),
    })
}

fn time_off_query(req: &pb::ListTimeOffRequest) -> ApiResult<TimeOffQuery> {
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "person_id", &req.person_id);
    let period = convert::period_spec(&mut v, "period", req.period.as_ref());
    match v.into_result((person, period))? {
        (Some(person_id), Some(period)) => Ok(TimeOffQuery { person_id, period }),
        _ => Err(ApiError::invalid("period", "is required")),
    }
}

pub async fn list_time_off(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListTimeOffRequest,
) -> ApiResult<pb::ListTimeOffResponse> {
    let entries = api.list_time_off(ctx, time_off_query(&req).into()).await?;
    Ok(pb::ListTimeOffResponse {
        time_off: entries.iter().map(time_off).collect(),
    })
}

pub async fn delete_time_off(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::DeleteTimeOffRequest,
) -> ApiResult<pb::DeleteTimeOffResponse> {
    let id = required_id("id", &req.id)?;
    api.delete_time_off(ctx, id).await?;
    Ok(pb::DeleteTimeOffResponse {})
}
