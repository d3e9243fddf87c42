//! People: create, read, list, update, find by external id, and role changes with history.
//! Only ADMIN changes people; a manager reads their subtrees' members and direct reports, a rep
//! only themself.

use attain_domain::{
    Violations,
    org::{AccessRole, ExternalId, PersonStatus, SalesRole},
};
use attain_runtime::{
    ApiError, ApiResult, Caller, convert,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
};
use chrono::{NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{OrgApi, Patch, scope_of};
use crate::{
    model::{PersonRecord, RoleChangeRecord, Scope},
    store,
};

/// A CreatePerson request, checked: the person as a record with a fresh id.
pub struct NewPerson {
    pub request_id: Option<Uuid>,
    pub person: PersonRecord,
}

/// An UpdatePerson request: which person, the change, and whether it replaces their external
/// ids.
pub struct PersonUpdate {
    pub person_id: Uuid,
    pub patch: Patch<PersonRecord>,
    pub replaces_external_ids: bool,
}

/// A page of people, optionally of one team (or its subtree) or one status.
pub struct PeopleQuery {
    pub page: Page,
    pub after: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub include_subtree: bool,
    pub status: Option<PersonStatus>,
}

/// A ChangePersonRole request, checked.
pub struct RoleChangeInput {
    pub person_id: Uuid,
    pub sales_role: SalesRole,
    /// Empty keeps the person's title.
    pub title: String,
    pub effective_date: NaiveDate,
    pub revision: Option<i64>,
}

/// A role change made: the person as it stands after it, and the change.
pub struct RoleChanged {
    pub person: PersonRecord,
    pub change: RoleChangeRecord,
}

/// Checks the references of a person (team, manager, external ids) against the tenant's data.
async fn check_references(c: &mut PgConnection, tenant: Uuid, p: &PersonRecord, existing: bool) -> ApiResult<()> {
    let mut v = Violations::new();
    if let Some(team) = p.team_id
        && !store::team_exists(c, tenant, team).await?
    {
        v.add("person.team_id", "no team with this id");
    }
    if let Some(manager) = p.manager_person_id
        && !store::person_exists(c, tenant, manager).await?
    {
        v.add("person.manager_id", "no person with this id");
    }
    v.into_result(())?;
    let except = existing.then_some(p.person_id);
    let taken = store::external_id_conflicts(c, tenant, except, &p.external_systems, &p.external_ids).await?;
    if let Some((system, id)) = taken.first() {
        return Err(ApiError::AlreadyExists(format!(
            "person.external_ids: the {system} id \"{}\" already belongs to another person",
            id.escape_debug()
        )));
    }
    Ok(())
}

pub fn blank(person_id: Uuid) -> PersonRecord {
    let now = Utc::now();
    PersonRecord {
        person_id,
        display_name: String::new(),
        email: String::new(),
        sales_role: attain_domain::org::SalesRole::Other,
        team_id: None,
        manager_person_id: None,
        title: String::new(),
        hire_date: None,
        start_date: None,
        end_date: None,
        status: PersonStatus::Onboarding,
        time_zone: String::new(),
        external_systems: Vec::new(),
        external_ids: Vec::new(),
        revision: 1,
        created_at: now,
        updated_at: now,
    }
}

impl OrgApi {
    pub async fn create_person(&self, caller: &Caller, input: Decoded<NewPerson>) -> ApiResult<PersonRecord> {
        caller.require(&[AccessRole::Admin], "add people")?;
        let NewPerson {
            request_id,
            person: record,
        } = input.get()?;
        let tenant = caller.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        check_references(&mut tx, tenant, &record, false).await?;
        let (id, created) = store::insert_person(&mut tx, tenant, &record, request_id).await?;
        if created {
            store::replace_external_ids(&mut tx, tenant, &record).await?;
            let effective = record
                .start_date
                .or(record.hire_date)
                .unwrap_or_else(|| Utc::now().date_naive());
            store::insert_role_change(&mut tx, tenant, id, record.sales_role, &record.title, effective).await?;
        }
        let person = store::get_person(&mut tx, tenant, &Scope::tenant(), id)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("person {id} vanished after insert")))?;
        tx.commit().await?;
        Ok(person)
    }

    pub async fn get_person(&self, caller: &Caller, id: Uuid) -> ApiResult<PersonRecord> {
        let mut tx = begin_tenant(&self.pool, caller.tenant_id).await?;
        let scope = scope_of(&mut tx, caller).await?;
        let person = store::get_person(&mut tx, caller.tenant_id, &scope, id)
            .await?
            .ok_or_else(|| ApiError::not_found("person"))?;
        tx.commit().await?;
        Ok(person)
    }

    pub async fn list_people(&self, caller: &Caller, q: PeopleQuery) -> ApiResult<Listed<PersonRecord>> {
        let tenant = caller.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let scope = scope_of(&mut tx, caller).await?;
        let teams = match q.team_id {
            Some(team) if q.include_subtree => Some(store::subtree_ids(&mut tx, tenant, &[team]).await?),
            Some(team) => Some(vec![team]),
            None => None,
        };
        let filter = store::PeopleFilter {
            teams,
            status: q.status,
        };
        let people = store::list_people(&mut tx, tenant, &scope, &filter, q.after, q.page.fetch_limit()).await?;
        tx.commit().await?;
        Ok(q.page.list(people, |p| p.person_id.to_string()))
    }

    pub async fn update_person(&self, caller: &Caller, update: Decoded<PersonUpdate>) -> ApiResult<PersonRecord> {
        caller.require(&[AccessRole::Admin], "change people")?;
        let PersonUpdate {
            person_id: id,
            patch,
            replaces_external_ids,
        } = update.get()?;
        let tenant = caller.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let current = store::lock_person(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| ApiError::not_found("person"))?;
        convert::check_revision(patch.revision, current.revision, "person")?;
        let record = (patch.apply)(current)?;
        check_references(&mut tx, tenant, &record, true).await?;
        store::save_person(&mut tx, tenant, &record).await?;
        if replaces_external_ids {
            store::replace_external_ids(&mut tx, tenant, &record).await?;
        }
        let saved = store::get_person(&mut tx, tenant, &Scope::tenant(), id)
            .await?
            .ok_or_else(|| ApiError::not_found("person"))?;
        tx.commit().await?;
        Ok(saved)
    }

    /// The person the caller sees with this id in another system.
    pub async fn find_person_by_external_id(&self, caller: &Caller, external: &ExternalId) -> ApiResult<PersonRecord> {
        let mut tx = begin_tenant(&self.pool, caller.tenant_id).await?;
        let scope = scope_of(&mut tx, caller).await?;
        let person = store::find_by_external_id(&mut tx, caller.tenant_id, &scope, &external.system, &external.id)
            .await?
            .ok_or_else(|| ApiError::not_found("person with this external id"))?;
        tx.commit().await?;
        Ok(person)
    }

    pub async fn change_person_role(&self, caller: &Caller, input: Decoded<RoleChangeInput>) -> ApiResult<RoleChanged> {
        caller.require(&[AccessRole::Admin], "change roles")?;
        let RoleChangeInput {
            person_id: id,
            sales_role: role,
            title,
            effective_date: effective,
            revision,
        } = input.get()?;
        let tenant = caller.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let mut person = store::lock_person(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| ApiError::not_found("person"))?;
        convert::check_revision(revision, person.revision, "person")?;
        let before = serde_json::json!({"sales_role": person.sales_role.as_str(), "title": person.title});
        let title = if title.is_empty() { person.title.clone() } else { title };
        let change = store::insert_role_change(&mut tx, tenant, id, role, &title, effective).await?;
        // The current role is the one with the latest effective date, which a back-dated change
        // recorded today need not be.
        let history = store::role_history(&mut tx, tenant, id).await?;
        if let Some(latest) = history.last() {
            person.sales_role = latest.sales_role;
            person.title = latest.title.clone();
        }
        store::save_person(&mut tx, tenant, &person).await?;
        let saved = store::get_person(&mut tx, tenant, &Scope::tenant(), id)
            .await?
            .ok_or_else(|| ApiError::not_found("person"))?;
        let after = serde_json::json!({
            "sales_role": saved.sales_role.as_str(), "title": saved.title,
            "change": {"sales_role": role.as_str(), "title": title, "effective_date": effective.to_string()},
        });
        attain_runtime::audit::write_in(
            &mut tx,
            crate::AUDIT_TABLE,
            "person_role",
            id,
            Some(before),
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(RoleChanged { person: saved, change })
    }

    /// The role history of a person the caller sees, oldest first.
    pub async fn role_history(&self, caller: &Caller, id: Uuid) -> ApiResult<Vec<RoleChangeRecord>> {
        let mut tx = begin_tenant(&self.pool, caller.tenant_id).await?;
        let scope = scope_of(&mut tx, caller).await?;
        if store::get_person(&mut tx, caller.tenant_id, &scope, id)
            .await?
            .is_none()
        {
            return Err(ApiError::not_found("person"));
        }
        let history = store::role_history(&mut tx, caller.tenant_id, id).await?;
        tx.commit().await?;
        Ok(history)
    }
}
