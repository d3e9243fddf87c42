//! People and ResolvePeople on the wire.

use attain_domain::{
    Violations,
    calendar::parse_time_zone,
    org::{
        Employment, ExternalId, MAX_NAME_LEN, PersonStatus, SalesRole, check_email, check_external_ids, check_name,
        check_optional_text,
    },
};
use attain_proto::org::v1::{ExternalId as PbExternalId, *};
use attain_runtime::{
    ApiError, ApiResult, Caller, convert,
    enums::{from_wire, to_wire},
    paging::Page,
};
use uuid::Uuid;

use super::team::required_id;
use crate::{
    app::{
        OrgApi, Patch,
        person::{NewPerson, PeopleQuery, PersonUpdate, RoleChangeInput, blank},
        resolve::{MAX_IDS, ResolveQuery},
    },
    model::{PersonRecord, RoleChangeRecord},
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
    let sales_role = from_wire::<SalesRole>(p.sales_role);
    if sales_role.is_none() {
        v.add(
            "person.sales_role",
            "must be one of the SALES_ROLE_ values other than UNSPECIFIED",
        );
    }
    let status = from_wire::<PersonStatus>(p.status);
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

fn new_person(req: CreatePersonRequest) -> ApiResult<NewPerson> {
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let mut input = req.person.unwrap_or_default();
    if input.status == 0 {
        input.status = to_wire(PersonStatus::Onboarding);
    }
    let person = check(&mut v, &input, blank(Uuid::now_v7()));
    Ok(v.into_result(NewPerson { request_id, person })?)
}

pub async fn create(api: &OrgApi, caller: &Caller, req: CreatePersonRequest) -> ApiResult<CreatePersonResponse> {
    let person = api.create_person(caller, new_person(req).into()).await?;
    Ok(CreatePersonResponse {
        person: Some(to_proto(&person)),
    })
}

pub async fn get(api: &OrgApi, caller: &Caller, req: GetPersonRequest) -> ApiResult<GetPersonResponse> {
    let id = required_id("person_id", &req.person_id)?;
    let person = api.get_person(caller, id).await?;
    Ok(GetPersonResponse {
        person: Some(to_proto(&person)),
    })
}

fn people_query(caller: &Caller, req: &ListPeopleRequest) -> ApiResult<PeopleQuery> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, caller.tenant_id, req);
    let after = page
        .after
        .as_deref()
        .and_then(|a| convert::required_id(&mut v, "page_token", a));
    let team_id = convert::optional_id(&mut v, "team_id", &req.team_id);
    if req.include_subtree && req.team_id.is_empty() {
        v.add("include_subtree", "needs team_id");
    }
    let status = match req.status {
        0 => None,
        s => {
            let parsed = from_wire::<PersonStatus>(s);
            if parsed.is_none() {
                v.add("status", "must be one of the PERSON_STATUS_ values");
            }
            parsed
        }
    };
    v.into_result(())?;
    Ok(PeopleQuery {
        page,
        after,
        team_id,
        include_subtree: req.include_subtree,
        status,
    })
}

pub async fn list(api: &OrgApi, caller: &Caller, req: ListPeopleRequest) -> ApiResult<ListPeopleResponse> {
    let listed = api.list_people(caller, people_query(caller, &req)?).await?;
    Ok(ListPeopleResponse {
        people: listed.items.iter().map(to_proto).collect(),
        next_page_token: listed.next_page_token,
    })
}

/// The change an UpdatePerson request asks for: the masked fields of its person over the
/// stored one, the result checked whole.
fn person_update(req: UpdatePersonRequest) -> ApiResult<PersonUpdate> {
    let mut v = Violations::new();
    let input = req.person.unwrap_or_default();
    let id = convert::required_id(&mut v, "person.id", &input.id);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let revision = convert::parse_etag(&mut v, "person.etag", &input.etag);
    let person_id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("person.id", "is required"))?;
    let replaces_external_ids = paths.contains(&"external_ids");
    let apply = move |current: PersonRecord| {
        let mut merged = to_proto(&current);
        for path in paths {
            match path {
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
        v.into_result(record)
    };
    Ok(PersonUpdate {
        person_id,
        patch: Patch {
            revision,
            apply: Box::new(apply),
        },
        replaces_external_ids,
    })
}

pub async fn update(api: &OrgApi, caller: &Caller, req: UpdatePersonRequest) -> ApiResult<UpdatePersonResponse> {
    let saved = api.update_person(caller, person_update(req).into()).await?;
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
    let person = api.find_person_by_external_id(caller, &external).await?;
    Ok(FindPersonByExternalIdResponse {
        person: Some(to_proto(&person)),
    })
}

fn role_change(req: &ChangePersonRoleRequest) -> ApiResult<RoleChangeInput> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "person_id", &req.person_id);
    let role = from_wire::<SalesRole>(req.sales_role);
    if role.is_none() {
        v.add(
            "sales_role",
            "must be one of the SALES_ROLE_ values other than UNSPECIFIED",
        );
    }
    check_optional_text(&mut v, "title", &req.title, MAX_NAME_LEN);
    let effective = convert::required_date(&mut v, "effective_date", req.effective_date.as_ref());
    let revision = convert::parse_etag(&mut v, "etag", &req.etag);
    let (Some(person_id), Some(sales_role), Some(effective_date)) = v.into_result((id, role, effective))? else {
        return Err(ApiError::invalid("person_id", "is required"));
    };
    Ok(RoleChangeInput {
        person_id,
        sales_role,
        title: req.title.clone(),
        effective_date,
        revision,
    })
}

pub async fn change_role(
    api: &OrgApi,
    caller: &Caller,
    req: ChangePersonRoleRequest,
) -> ApiResult<ChangePersonRoleResponse> {
    let changed = api.change_person_role(caller, role_change(&req).into()).await?;
    Ok(ChangePersonRoleResponse {
        person: Some(to_proto(&changed.person)),
        role_change: Some(role_change_to_proto(&changed.change)),
    })
}

pub async fn role_history(
    api: &OrgApi,
    caller: &Caller,
    req: ListRoleHistoryRequest,
) -> ApiResult<ListRoleHistoryResponse> {
    let id = required_id("person_id", &req.person_id)?;
    let history = api.role_history(caller, id).await?;
    Ok(ListRoleHistoryResponse {
        role_changes: history.iter().map(role_change_to_proto).collect(),
    })
}

fn resolve_query(req: ResolvePeopleRequest) -> ApiResult<ResolveQuery> {
    let mut v = Violations::new();
    if req.person_ids.len() > MAX_IDS {
        v.add("person_ids", format!("at most {MAX_IDS}"));
    }
    if req.external_ids.len() > MAX_IDS {
        v.add("external_ids", format!("at most {MAX_IDS}"));
    }
    let person_ids: Vec<_> = req
        .person_ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| convert::required_id(&mut v, &format!("person_ids[{i}]"), id))
        .collect();
    let external_ids: Vec<ExternalId> = req
        .external_ids
        .into_iter()
        .map(|e| ExternalId {
            system: e.system,
            id: e.id,
        })
        .collect();
    for (i, id) in external_ids.iter().enumerate() {
        v.extend_prefixed(&format!("external_ids[{i}]"), id.check());
    }
    v.into_result(())?;
    Ok(ResolveQuery {
        person_ids,
        external_ids,
        all_visible: req.all_visible,
    })
}

pub async fn resolve(api: &OrgApi, caller: &Caller, req: ResolvePeopleRequest) -> ApiResult<ResolvePeopleResponse> {
    let people = api.resolve_people(caller, resolve_query(req)?).await?;
    Ok(ResolvePeopleResponse {
        people: people
            .into_iter()
            .map(|(id, external)| ResolvedPerson {
                person_id: id.to_string(),
                external_id: external.map(|e| PbExternalId {
                    system: e.system,
                    id: e.id,
                }),
            })
            .collect(),
    })
}

pub fn to_proto(p: &PersonRecord) -> Person {
    Person {
        id: p.person_id.to_string(),
        display_name: p.display_name.clone(),
        email: p.email.clone(),
        sales_role: to_wire(p.sales_role),
        team_id: p.team_id.map(|id| id.to_string()).unwrap_or_default(),
        manager_id: p.manager_person_id.map(|id| id.to_string()).unwrap_or_default(),
        title: p.title.clone(),
        hire_date: p.hire_date.map(convert::date_to_proto),
        start_date: p.start_date.map(convert::date_to_proto),
        end_date: p.end_date.map(convert::date_to_proto),
        status: to_wire(p.status),
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
        sales_role: to_wire(r.sales_role),
        title: r.title.clone(),
        effective_date: Some(convert::date_to_proto(r.effective_date)),
        record_time: Some(convert::timestamp(r.recorded_at)),
    }
}
