//! People: create, read, list, update, find by external id, and role changes with history.
//! Only ADMIN changes people; a manager reads their subtrees' members and direct reports, a rep
//! only themself.

use attain_domain::{
    Violations,
    calendar::parse_time_zone,
    org::{
        AccessRole, Employment, ExternalId, MAX_NAME_LEN, PersonStatus, check_email, check_external_ids, check_name,
        check_optional_text,
    },
};
use attain_proto::org::v1::{ExternalId as PbExternalId, *};
use attain_runtime::{ApiError, ApiResult, Caller, convert, db::begin_tenant, paging::Page};
use chrono::Utc;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{OrgApi, scope_of};
use crate::{
    model::{PersonRecord, RoleChangeRecord, Scope},
    store,
};

const UPDATABLE: &[&str] = &[
    "display_name",
    "email",
    "team_id",
    "manager_id",
    "title",
    "hire_date",
    "start_date",
    "end_date",
    "status",
    "time_zone",
    "external_ids",
];

/// Checks a person message and applies it to `base`, which supplies id, revision and times.
fn check(v: &mut Violations, p: &Person, base: PersonRecord) -> PersonRecord {
    check_name(v, "person.display_name", &p.display_name);
    check_email(v, "person.email", &p.email);
    check_optional_text(v, "person.title", &p.title, MAX_NAME_LEN);
    let sales_role = attain_runtime::enums::from_wire::<attain_domain::org::SalesRole>(p.sales_role);
    if sales_role.is_none() {
        v.add(
            "person.sales_role",
            "must be one of the SALES_ROLE_ values other than UNSPECIFIED",
        );
    }
    let status = attain_runtime::enums::from_wire::<attain_domain::org::PersonStatus>(p.status);
    if status.is_none() {
        v.add(
            "person.status",
            "must be one of the PERSON_STATUS_ values other than UNSPECIFIED",
        );
    }
    let team_id = convert::optional_id(v, "person.team_id", &p.team_id);
    let manager_person_id = convert::optional_id(v, "person.manager_id", &p.manager_id);
    if manager_person_id.is_some() && manager_person_id == Some(base.person_id) {
        v.add("person.manager_id", "a person cannot be their own manager");
    }
    if !p.time_zone.is_empty() {
        v.check("person.time_zone", parse_time_zone(&p.time_zone));
    }
    let hire_date = convert::optional_date(v, "person.hire_date", p.hire_date.as_ref());
    let start_date = convert::optional_date(v, "person.start_date", p.start_date.as_ref());
    let end_date = convert::optional_date(v, "person.end_date", p.end_date.as_ref());
    if let Some(status) = status {
        let employment = Employment {
            hire_date,
            start_date,
            end_date,
            status,
        };
        v.extend_prefixed("person", employment.check());
    }
    let external: Vec<ExternalId> = p
        .external_ids
        .iter()
        .map(|e| ExternalId {
            system: e.system.clone(),
            id: e.id.clone(),
        })
        .collect();
    check_external_ids(v, "person.external_ids", &external);
    let mut external = external;
    external.sort_by(|a, b| a.system.cmp(&b.system));
    PersonRecord {
        display_name: p.display_name.clone(),
        email: p.email.clone(),
        // Either is checked above; an unknown one leaves the record unsaved.
        sales_role: sales_role.unwrap_or(base.sales_role),
        team_id,
        manager_person_id,
        title: p.title.clone(),
        hire_date,
        start_date,
        end_date,
        status: status.unwrap_or(base.status),
        time_zone: p.time_zone.clone(),
        external_systems: external.iter().map(|e| e.system.clone()).collect(),
        external_ids: external.iter().map(|e| e.id.clone()).collect(),
        ..base
    }
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

fn blank(person_id: Uuid) -> PersonRecord {
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

pub async fn create(api: &OrgApi, caller: &Caller, req: CreatePersonRequest) -> ApiResult<CreatePersonResponse> {
    caller.require(&[AccessRole::Admin], "add people")?;
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let mut input = req.person.unwrap_or_default();
    if input.status == 0 {
        input.status = attain_runtime::enums::to_wire(PersonStatus::Onboarding);
    }
    let record = check(&mut v, &input, blank(Uuid::now_v7()));
    v.into_result(())?;

    let tenant = caller.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
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
    Ok(CreatePersonResponse {
        person: Some(to_proto(&person)),
    })
}

pub async fn get(api: &OrgApi, caller: &Caller, req: GetPersonRequest) -> ApiResult<GetPersonResponse> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "person_id", &req.person_id);
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("person_id", "is required"))?;
    let mut tx = begin_tenant(&api.pool, caller.tenant_id).await?;
    let scope = scope_of(&mut tx, caller).await?;
    let person = store::get_person(&mut tx, caller.tenant_id, &scope, id)
        .await?
        .ok_or_else(|| ApiError::not_found("person"))?;
    tx.commit().await?;
    Ok(GetPersonResponse {
        person: Some(to_proto(&person)),
    })
}

pub async fn list(api: &OrgApi, caller: &Caller, req: ListPeopleRequest) -> ApiResult<ListPeopleResponse> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, caller.tenant_id, &req);
    let after = page
        .after
        .as_deref()
        .and_then(|a| convert::required_id(&mut v, "page_token", a));
    let team = convert::optional_id(&mut v, "team_id", &req.team_id);
    if req.include_subtree && req.team_id.is_empty() {
        v.add("include_subtree", "needs team_id");
    }
    let status = match req.status {
        0 => None,
        s => {
            let parsed = attain_runtime::enums::from_wire::<PersonStatus>(s);
            if parsed.is_none() {
                v.add("status", "must be one of the PERSON_STATUS_ values");
            }
            parsed
        }
    };
    v.into_result(())?;
    let tenant = caller.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let scope = scope_of(&mut tx, caller).await?;
    let teams = match team {
        Some(team) if req.include_subtree => Some(store::subtree_ids(&mut tx, tenant, &[team]).await?),
        Some(team) => Some(vec![team]),
        None => None,
    };
    let filter = store::PeopleFilter { teams, status };
    let mut people = store::list_people(&mut tx, tenant, &scope, &filter, after, page.fetch_limit()).await?;
    tx.commit().await?;
    let next_page_token = page.finish(&mut people, |p| p.person_id.to_string());
    Ok(ListPeopleResponse {
        people: people.iter().map(to_proto).collect(),
        next_page_token,
    })
}

pub async fn update(api: &OrgApi, caller: &Caller, req: UpdatePersonRequest) -> ApiResult<UpdatePersonResponse> {
    caller.require(&[AccessRole::Admin], "change people")?;
    let mut v = Violations::new();
    let input = req.person.unwrap_or_default();
    let id = convert::required_id(&mut v, "person.id", &input.id);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let expected = convert::parse_etag(&mut v, "person.etag", &input.etag);
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("person.id", "is required"))?;

    let tenant = caller.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let current = store::lock_person(&mut tx, tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("person"))?;
    convert::check_revision(expected, current.revision, "person")?;
    let mut merged = to_proto(&current);
    for path in &paths {
        match *path {
            "display_name" => merged.display_name = input.display_name.clone(),
            "email" => merged.email = input.email.clone(),
            "team_id" => merged.team_id = input.team_id.clone(),
            "manager_id" => merged.manager_id = input.manager_id.clone(),
            "title" => merged.title = input.title.clone(),
            "hire_date" => merged.hire_date = input.hire_date,
            "start_date" => merged.start_date = input.start_date,
            "end_date" => merged.end_date = input.end_date,
            "status" => merged.status = input.status,
            "time_zone" => merged.time_zone = input.time_zone.clone(),
            "external_ids" => merged.external_ids = input.external_ids.clone(),
            _ => {} // update_paths returns only the paths listed in UPDATABLE
        }
    }
    let mut v = Violations::new();
    let record = check(&mut v, &merged, current);
    v.into_result(())?;
    check_references(&mut tx, tenant, &record, true).await?;
    store::save_person(&mut tx, tenant, &record).await?;
    if paths.contains(&"external_ids") {
        store::replace_external_ids(&mut tx, tenant, &record).await?;
    }
    let saved = store::get_person(&mut tx, tenant, &Scope::tenant(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("person"))?;
    tx.commit().await?;
    Ok(UpdatePersonResponse {
        person: Some(to_proto(&saved)),
    })
}

pub async fn find_by_external_id(
    api: &OrgApi,
    caller: &Caller,
    req: FindPersonByExternalIdRequest,
) -> ApiResult<FindPersonByExternalIdResponse> {
    let input = req.external_id.unwrap_or_default();
    let external = ExternalId {
        system: input.system,
        id: input.id,
    };
    let mut v = Violations::new();
    v.extend_prefixed("external_id", external.check());
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, caller.tenant_id).await?;
    let scope = scope_of(&mut tx, caller).await?;
    let person = store::find_by_external_id(&mut tx, caller.tenant_id, &scope, &external.system, &external.id)
        .await?
        .ok_or_else(|| ApiError::not_found("person with this external id"))?;
    tx.commit().await?;
    Ok(FindPersonByExternalIdResponse {
        person: Some(to_proto(&person)),
    })
}

pub async fn change_role(
    api: &OrgApi,
    caller: &Caller,
    req: ChangePersonRoleRequest,
) -> ApiResult<ChangePersonRoleResponse> {
    caller.require(&[AccessRole::Admin], "change roles")?;
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "person_id", &req.person_id);
    let role = attain_runtime::enums::from_wire::<attain_domain::org::SalesRole>(req.sales_role);
    if role.is_none() {
        v.add(
            "sales_role",
            "must be one of the SALES_ROLE_ values other than UNSPECIFIED",
        );
    }
    check_optional_text(&mut v, "title", &req.title, MAX_NAME_LEN);
    let effective = convert::required_date(&mut v, "effective_date", req.effective_date.as_ref());
    let expected = convert::parse_etag(&mut v, "etag", &req.etag);
    let (Some(id), Some(role), Some(effective)) = (id, role, effective) else {
        return Err(ApiError::InvalidArgument(v));
    };
    v.into_result(())?;

    let tenant = caller.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let mut person = store::lock_person(&mut tx, tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("person"))?;
    convert::check_revision(expected, person.revision, "person")?;
    let before = serde_json::json!({"sales_role": person.sales_role.as_str(), "title": person.title});
    let title = if req.title.is_empty() {
        person.title.clone()
    } else {
        req.title.clone()
    };
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
    Ok(ChangePersonRoleResponse {
        person: Some(to_proto(&saved)),
        role_change: Some(role_change_to_proto(&change)),
    })
}

pub async fn role_history(
    api: &OrgApi,
    caller: &Caller,
    req: ListRoleHistoryRequest,
) -> ApiResult<ListRoleHistoryResponse> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "person_id", &req.person_id);
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("person_id", "is required"))?;
    let mut tx = begin_tenant(&api.pool, caller.tenant_id).await?;
    let scope = scope_of(&mut tx, caller).await?;
    if store::get_person(&mut tx, caller.tenant_id, &scope, id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("person"));
    }
    let history = store::role_history(&mut tx, caller.tenant_id, id).await?;
    tx.commit().await?;
    Ok(ListRoleHistoryResponse {
        role_changes: history.iter().map(role_change_to_proto).collect(),
    })
}

pub fn to_proto(p: &PersonRecord) -> Person {
    Person {
        id: p.person_id.to_string(),
        display_name: p.display_name.clone(),
        email: p.email.clone(),
        sales_role: attain_runtime::enums::to_wire(p.sales_role),
        team_id: p.team_id.map(|id| id.to_string()).unwrap_or_default(),
        manager_id: p.manager_person_id.map(|id| id.to_string()).unwrap_or_default(),
        title: p.title.clone(),
        hire_date: p.hire_date.map(convert::date_to_proto),
        start_date: p.start_date.map(convert::date_to_proto),
        end_date: p.end_date.map(convert::date_to_proto),
        status: attain_runtime::enums::to_wire(p.status),
        time_zone: p.time_zone.clone(),
        external_ids: p
            .external_systems
            .iter()
            .zip(&p.external_ids)
            .map(|(system, id)| PbExternalId {
                system: system.clone(),
                id: id.clone(),
            })
            .collect(),
        create_time: Some(convert::timestamp(p.created_at)),
        update_time: Some(convert::timestamp(p.updated_at)),
        etag: convert::etag(p.revision),
    }
}

fn role_change_to_proto(r: &RoleChangeRecord) -> RoleChange {
    RoleChange {
        id: r.role_change_id.to_string(),
        sales_role: attain_runtime::enums::to_wire(r.sales_role),
        title: r.title.clone(),
        effective_date: Some(convert::date_to_proto(r.effective_date)),
        record_time: Some(convert::timestamp(r.recorded_at)),
    }
}
