//! The tenant on the wire: GetTenant and UpdateTenant, and the tenant and calendar messages
//! the operator and peer-directory services share.

use attain_domain::{
    Violations,
    calendar::{Calendar, check_currency_code},
    org::check_name,
};
use attain_proto::org::v1::{
    Calendar as PbCalendar, GetTenantRequest, GetTenantResponse, Tenant, UpdateTenantRequest, UpdateTenantResponse,
};
use attain_runtime::{ApiResult, Caller, convert};

use crate::{
    app::{OrgApi, Patch},
    model::TenantRecord,
};

const UPDATABLE: &[&str] = &[
    "display_name",
    "currency_code",
    "calendar",
    "calendar.time_zone",
    "calendar.first_day_of_week",
    "calendar.fiscal_year_start_month",
    "calendar.working_days",
];

pub async fn get(api: &OrgApi, caller: &Caller, _: GetTenantRequest) -> ApiResult<GetTenantResponse> {
    let tenant = api.get_tenant(caller).await?;
    Ok(GetTenantResponse {
        tenant: Some(to_proto(&tenant)),
    })
}

/// The change an UpdateTenant request asks for: the masked fields of its tenant over the
/// stored one, the result checked whole.
fn patch(req: UpdateTenantRequest) -> ApiResult<Patch<TenantRecord>> {
    let mut v = Violations::new();
    let input = req.tenant.unwrap_or_default();
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let revision = convert::parse_etag(&mut v, "tenant.etag", &input.etag);
    v.into_result(())?;
    let apply = move |current: TenantRecord| {
        let mut merged = to_proto(&current);
        let calendar = merged.calendar.get_or_insert_default();
        let new_calendar = input.calendar.unwrap_or_default();
        for path in paths {
            match path {
                "display_name" => merged.display_name = input.display_name.clone(),
                "currency_code" => merged.currency_code = input.currency_code.clone(),
                "calendar" => *calendar = new_calendar.clone(),
                "calendar.time_zone" => calendar.time_zone = new_calendar.time_zone.clone(),
                "calendar.first_day_of_week" => calendar.first_day_of_week = new_calendar.first_day_of_week,
                "calendar.fiscal_year_start_month" => {
                    calendar.fiscal_year_start_month = new_calendar.fiscal_year_start_month
                }
                "calendar.working_days" => calendar.working_days = new_calendar.working_days.clone(),
                _ => {} // update_paths returns only the paths listed in UPDATABLE
            }
        }
        from_proto(&merged, current)
    };
    Ok(Patch {
        revision,
        apply: Box::new(apply),
    })
}

pub async fn update(api: &OrgApi, caller: &Caller, req: UpdateTenantRequest) -> ApiResult<UpdateTenantResponse> {
    let saved = api.update_tenant(caller, patch(req).into()).await?;
    Ok(UpdateTenantResponse {
        tenant: Some(to_proto(&saved)),
    })
}

/// A calendar message, checked; its faults are recorded under `field`.
pub fn calendar_from_proto(v: &mut Violations, field: &str, cal: &PbCalendar) -> Option<Calendar> {
    let days: Vec<_> = cal
        .working_days
        .iter()
        .map(|d| attain_runtime::enums::from_wire::<chrono::Weekday>(*d))
        .collect();
    let weekday = attain_runtime::enums::from_wire::<chrono::Weekday>(cal.first_day_of_week);
    match Calendar::new(&cal.time_zone, weekday, cal.fiscal_year_start_month, &days) {
        Ok(c) => Some(c),
        Err(errors) => {
            v.extend_prefixed(field, errors);
            None
        }
    }
}

/// Checks a tenant message and applies it to `base` (which supplies id and timestamps).
fn from_proto(t: &Tenant, base: TenantRecord) -> Result<TenantRecord, Violations> {
    let mut v = Violations::new();
    check_name(&mut v, "tenant.display_name", &t.display_name);
    v.check("tenant.currency_code", check_currency_code(&t.currency_code));
    let calendar = calendar_from_proto(&mut v, "tenant.calendar", &t.calendar.clone().unwrap_or_default());
    let calendar = v.into_result(calendar)?.unwrap_or_default();
    Ok(TenantRecord {
        display_name: t.display_name.clone(),
        currency_code: t.currency_code.clone(),
        time_zone: calendar.time_zone().name().to_string(),
        first_day_of_week: calendar.first_day_of_week().number_from_monday() as i16,
        fiscal_year_start_month: calendar.fiscal_year_start_month() as i16,
        working_days: calendar
            .working_days()
            .days()
            .iter()
            .map(|d| d.number_from_monday() as i16)
            .collect(),
        ..base
    })
}

pub fn to_proto(t: &TenantRecord) -> Tenant {
    Tenant {
        id: t.tenant_id.to_string(),
        display_name: t.display_name.clone(),
        calendar: Some(PbCalendar {
            time_zone: t.time_zone.clone(),
            first_day_of_week: i32::from(t.first_day_of_week),
            fiscal_year_start_month: i32::from(t.fiscal_year_start_month),
            working_days: t.working_days.iter().map(|d| i32::from(*d)).collect(),
        }),
        currency_code: t.currency_code.clone(),
        create_time: Some(convert::timestamp(t.created_at)),
        update_time: Some(convert::timestamp(t.updated_at)),
        etag: convert::etag(t.revision),
    }
}
