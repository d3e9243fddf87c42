//! Teams: create, read, list, update and list a subtree. Only ADMIN changes teams; a manager
//! reads the subtrees of the teams they manage, a rep their own team.

use attain_domain::{
    Violations,
    org::{AccessRole, check_name},
};
use attain_proto::org::v1::*;
use attain_runtime::{ApiError, ApiResult, Caller, convert, db::begin_tenant, paging::Page};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{OrgApi, scope_of};
use crate::{model::TeamRecord, store};

const UPDATABLE: &[&str] = &["display_name", "parent_team_id", "motion", "manager_id"];

/// A team message, checked.
struct TeamInput {
    display_name: String,
    parent_team_id: Option<Uuid>,
    motion: attain_domain::org::Motion,
    manager_person_id: Option<Uuid>,
}

fn check(v: &mut Violations, t: &Team) -> Option<TeamInput> {
    check_name(v, "team.display_name", &t.display_name);
    let parent_team_id = convert::optional_id(v, "team.parent_team_id", &t.parent_team_id);
    let manager_person_id = convert::optional_id(v, "team.manager_id", &t.manager_id);
    let motion = attain_runtime::enums::from_wire::<attain_domain::org::Motion>(t.motion);
    if motion.is_none() {
        v.add(
            "team.motion",
            "must be one of the MOTION_ values other than UNSPECIFIED",
        );
    }
    Some(TeamInput {
        display_name: t.display_name.clone(),
        parent_team_id,
        motion: motion?,
        manager_person_id,
    })
}

/// Checks that the team's parent and manager exist in the tenant, and that moving `team` under
/// its new parent makes no cycle.
async fn check_references(c: &mut PgConnection, tenant: Uuid, team: Option<Uuid>, input: &TeamInput) -> ApiResult<()> {
    let mut v = Violations::new();
    if let Some(parent) = input.parent_team_id {
        if !store::team_exists(c, tenant, parent).await? {
            v.add("team.parent_team_id", "no team with this id");
        } else if let Some(team) = team
            && store::is_ancestor_or_self(c, tenant, team, parent).await?
        {
            v.add("team.parent_team_id", "would make the team its own ancestor");
        }
    }
    if let Some(manager) = input.manager_person_id
        && !store::person_exists(c, tenant, manager).await?
    {
        v.add("team.manager_id", "no person with this id");
    }
    Ok(v.into_result(())?)
}

pub async fn create(api: &OrgApi, caller: &Caller, req: CreateTeamRequest) -> ApiResult<CreateTeamResponse> {
    caller.require(&[AccessRole::Admin], "create teams")?;
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let input = check(&mut v, &req.team.unwrap_or_default());
    let input = v
        .into_result(input)?
        .ok_or_else(|| ApiError::invalid("team", "is required"))?;

    let tenant = caller.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    check_references(&mut tx, tenant, None, &input).await?;
    let new = store::NewTeam {
        display_name: &input.display_name,
        parent_team_id: input.parent_team_id,
        motion: input.motion,
        manager_person_id: input.manager_person_id,
    };
    let team = store::insert_team(&mut tx, tenant, &new, request_id).await?;
    tx.commit().await?;
    Ok(CreateTeamResponse {
        team: Some(to_proto(&team)),
    })
}

pub async fn get(api: &OrgApi, caller: &Caller, req: GetTeamRequest) -> ApiResult<GetTeamResponse> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "team_id", &req.team_id);
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("team_id", "is required"))?;
    let mut tx = begin_tenant(&api.pool, caller.tenant_id).await?;
    let scope = scope_of(&mut tx, caller).await?;
    let team = store::get_team(&mut tx, caller.tenant_id, id, false)
        .await?
        .filter(|t| scope.all || scope.teams.contains(&t.team_id))
        .ok_or_else(|| ApiError::not_found("team"))?;
    tx.commit().await?;
    Ok(GetTeamResponse {
        team: Some(to_proto(&team)),
    })
}

pub async fn list(api: &OrgApi, caller: &Caller, req: ListTeamsRequest) -> ApiResult<ListTeamsResponse> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, caller.tenant_id, &req);
    let after = page
        .after
        .as_deref()
        .map(|a| convert::required_id(&mut v, "page_token", a));
    let parent = convert::optional_id(&mut v, "parent_team_id", &req.parent_team_id);
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, caller.tenant_id).await?;
    let scope = scope_of(&mut tx, caller).await?;
    let mut teams = store::list_teams(
        &mut tx,
        caller.tenant_id,
        &scope,
        parent,
        after.flatten(),
        page.fetch_limit(),
    )
    .await?;
    tx.commit().await?;
    let next_page_token = page.finish(&mut teams, |t| t.team_id.to_string());
    Ok(ListTeamsResponse {
        teams: teams.iter().map(to_proto).collect(),
        next_page_token,
    })
}

pub async fn update(api: &OrgApi, caller: &Caller, req: UpdateTeamRequest) -> ApiResult<UpdateTeamResponse> {
    caller.require(&[AccessRole::Admin], "change teams")?;
    let mut v = Violations::new();
    let input = req.team.unwrap_or_default();
    let id = convert::required_id(&mut v, "team.id", &input.id);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let expected = convert::parse_etag(&mut v, "team.etag", &input.etag);
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("team.id", "is required"))?;

    let tenant = caller.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let current = store::get_team(&mut tx, tenant, id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("team"))?;
    convert::check_revision(expected, current.revision, "team")?;
    let mut merged = to_proto(&current);
    for path in paths {
        match path {
            "display_name" => merged.display_name = input.display_name.clone(),
            "parent_team_id" => merged.parent_team_id = input.parent_team_id.clone(),
            "motion" => merged.motion = input.motion,
            "manager_id" => merged.manager_id = input.manager_id.clone(),
            _ => {} // update_paths returns only the paths listed in UPDATABLE
        }
    }
    let mut v = Violations::new();
    let checked = check(&mut v, &merged);
    let checked = v
        .into_result(checked)?
        .ok_or_else(|| ApiError::invalid("team", "is invalid"))?;
    check_references(&mut tx, tenant, Some(id), &checked).await?;
    let record = TeamRecord {
        display_name: checked.display_name,
        parent_team_id: checked.parent_team_id,
        motion: checked.motion,
        manager_person_id: checked.manager_person_id,
        ..current
    };
    let saved = store::save_team(&mut tx, tenant, &record).await?;
    tx.commit().await?;
    Ok(UpdateTeamResponse {
        team: Some(to_proto(&saved)),
    })
}

pub async fn subtree(api: &OrgApi, caller: &Caller, req: ListTeamSubtreeRequest) -> ApiResult<ListTeamSubtreeResponse> {
    let mut v = Violations::new();
    let root = convert::required_id(&mut v, "team_id", &req.team_id);
    let page = Page::of(&mut v, caller.tenant_id, &req);
    let after = page.after.as_deref().map(|a| {
        let parsed = a
            .split_once('/')
            .and_then(|(d, id)| Some((d.parse().ok()?, Uuid::try_parse(id).ok()?)));
        if parsed.is_none() {
            v.add("page_token", "is not a token from a previous page of this list");
        }
        parsed
    });
    let root = v
        .into_result(root)?
        .ok_or_else(|| ApiError::invalid("team_id", "is required"))?;
    let tenant = caller.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let scope = scope_of(&mut tx, caller).await?;
    if !(scope.all || scope.teams.contains(&root)) || !store::team_exists(&mut tx, tenant, root).await? {
        return Err(ApiError::not_found("team"));
    }
    let mut rows = store::list_subtree(&mut tx, tenant, &scope, root, after.flatten(), page.fetch_limit()).await?;
    tx.commit().await?;
    let next_page_token = page.finish(&mut rows, |(t, depth)| format!("{depth}/{}", t.team_id));
    Ok(ListTeamSubtreeResponse {
        teams: rows
            .iter()
            .map(|(t, depth)| TeamInSubtree {
                team: Some(to_proto(t)),
                depth: *depth,
            })
            .collect(),
        next_page_token,
    })
}

pub fn to_proto(t: &TeamRecord) -> Team {
    Team {
        id: t.team_id.to_string(),
        display_name: t.display_name.clone(),
        parent_team_id: t.parent_team_id.map(|id| id.to_string()).unwrap_or_default(),
        motion: attain_runtime::enums::to_wire(t.motion),
        manager_id: t.manager_person_id.map(|id| id.to_string()).unwrap_or_default(),
        create_time: Some(convert::timestamp(t.created_at)),
        update_time: Some(convert::timestamp(t.updated_at)),
        etag: convert::etag(t.revision),
    }
}
