//! Ramps: how much of full quota a new hire carries, month by month since their start date.
//! Every tenant has a default ramp (a built-in one to begin with); a person follows it unless
//! assigned another.

use attain_domain::{
    org::AccessRole,
    scorecard::{Ramp, ramp_factor, ramp_month},
};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, dispatch::Decoded, paging::Listed, paging::Page};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{ScorecardApi, access};
use crate::scorecards::{
    audit_rows,
    plan_store::{self as plans, RampRecord},
};

/// A ramp to create, its name and steps checked.
pub struct NewRamp {
    pub display_name: String,
    pub steps: Vec<f64>,
    pub is_default: bool,
}

/// A change of a ramp: each field named in the update mask, checked; the others `None`.
pub struct RampUpdate {
    pub ramp_id: Uuid,
    pub display_name: Option<String>,
    pub steps: Option<Vec<f64>>,
    pub is_default: Option<bool>,
}

/// A person's ramp (`None` for the tenant's default).
pub struct RampAssignment {
    pub person_id: Uuid,
    pub ramp_id: Option<Uuid>,
}

/// The ramp a person follows on a day, and where on it they are.
pub struct PersonRamp {
    pub ramp: RampRecord,
    /// Assigned to them, rather than the tenant's default.
    pub assigned: bool,
    pub start_date: Option<NaiveDate>,
    /// Share of full quota they carry on the day (1 without a start date).
    pub factor: f64,
    /// Month of the ramp they are in (1 in their first month; 0 without a start date).
    pub month: u32,
}

/// A ramp insert or update refused for its name, said with the name.
fn name_taken(e: sqlx::Error, name: &str) -> ApiError {
    match ApiError::from(e) {
        ApiError::AlreadyExists(_) => ApiError::AlreadyExists(format!("a ramp named \"{name}\" already exists")),
        other => other,
    }
}

impl ScorecardApi {
    /// ADMIN only: the caller is checked before their fields.
    pub async fn create_ramp(&self, ctx: &Ctx, input: Decoded<NewRamp>) -> ApiResult<RampRecord> {
        ctx.require(&[AccessRole::Admin], "create ramps")?;
        let ramp = input.get()?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let record = plans::insert_ramp(&mut tx, ctx.tenant_id, &ramp.display_name, &ramp.steps, ramp.is_default)
            .await
            .map_err(|e| name_taken(e, &ramp.display_name))?;
        tx.commit().await?;
        Ok(record)
    }

    /// The tenant's ramps by name; every credential of the tenant reads them.
    pub async fn list_ramps(&self, ctx: &Ctx, page: Page) -> ApiResult<Listed<RampRecord>> {
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let ramps = plans::list_ramps(&mut tx, ctx.tenant_id, page.after.as_deref(), page.fetch_limit()).await?;
        tx.commit().await?;
        Ok(page.list(ramps, |r| r.display_name.clone()))
    }

    /// The fields are checked before the caller (the wire side decodes them first).
    pub async fn assign_ramp(&self, ctx: &Ctx, input: RampAssignment) -> ApiResult<()> {
        let RampAssignment {
            person_id: person,
            ramp_id: ramp,
        } = input;
        let tenant = ctx.tenant_id;
        let view = self.view(ctx).await?;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        access::manage_person(ctx, &view, person)?;
        if let Some(r) = ramp
            && !plans::ramp_exists(&mut tx, tenant, r).await?
        {
            return Err(ApiError::not_found(format!("ramp {r}")));
        }
        let before = audit_rows::ramp(&mut tx, tenant, person).await?;
        plans::assign_ramp(&mut tx, tenant, person, ramp).await?;
        let after = audit_rows::ramp(&mut tx, tenant, person).await?;
        audit_rows::record(&mut tx, "person_ramp", person, before, after).await?;
        tx.commit().await?;
        Ok(())
    }

    /// ADMIN only: the caller is checked before their fields.
    pub async fn update_ramp(&self, ctx: &Ctx, input: Decoded<RampUpdate>) -> ApiResult<RampRecord> {
        ctx.require(&[AccessRole::Admin], "change ramps")?;
        let update = input.get()?;
        let id = update.ramp_id;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let mut ramp = plans::get_ramp(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("ramp {id}")))?;
        let before = audit_rows::ramp_schedule(&mut tx, tenant, id).await?;
        if let Some(name) = update.display_name {
            ramp.display_name = name;
        }
        if let Some(steps) = update.steps {
            ramp.steps = steps;
        }
        if let Some(is_default) = update.is_default {
            if ramp.is_default && !is_default {
                return Err(ApiError::invalid(
                    "ramp.is_default",
                    "a tenant always has a default ramp: make another ramp the default instead",
                ));
            }
            ramp.is_default = is_default;
        }
        let saved = plans::update_ramp(&mut tx, tenant, &ramp)
            .await
            .map_err(|e| name_taken(e, &ramp.display_name))?;
        let after = audit_rows::ramp_schedule(&mut tx, tenant, id).await?;
        audit_rows::record(&mut tx, "ramp", id, before, after).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// The ramp `person` follows on `as_of` (today in the tenant's calendar when `None`). The
    /// fields are checked before the caller (the wire side decodes them first).
    pub async fn person_ramp(&self, ctx: &Ctx, person: Uuid, as_of: Option<NaiveDate>) -> ApiResult<PersonRamp> {
        let view = self.view(ctx).await?;
        let dir = view
            .visible_person(person)
            .ok_or_else(|| ApiError::not_found(format!("person {person}")))?;
        let start = dir.start_date;
        let on = as_of.unwrap_or_else(|| view.directory.calendar.local_date(Utc::now()));
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let found = plans::person_ramp(&mut tx, tenant, person).await?;
        tx.commit().await?;
        let (ramp, assigned) = found.ok_or_else(|| ApiError::not_found(format!("a ramp for person {person}")))?;
        let (factor, month) = match start {
            Some(s) => (
                ramp_factor(
                    &Ramp {
                        steps: ramp.steps.clone(),
                    },
                    s,
                    on,
                ),
                ramp_month(s, on),
            ),
            None => (1.0, 0),
        };
        Ok(PersonRamp {
            ramp,
            assigned,
            start_date: start,
            factor,
            month,
        })
    }
}
