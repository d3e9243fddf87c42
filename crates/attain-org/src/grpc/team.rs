//! Teams on the wire.

use attain_domain::{Violations, org::check_name};
use attain_proto::org::v1::*;
use attain_runtime::{ApiError, ApiResult, Caller, convert, enums::from_wire, paging::Page};
use uuid::Uuid;

use crate::{
    app::{
        OrgApi, Patch,
        team::{NewTeamInput, SubtreeQuery, TeamInput, TeamQuery, TeamUpdate},
    },
    model::TeamRecord,
};

const UPDATABLE: &[&str] = &["display_name", "parent_team_id", "motion", "manager_id"];

/// A team message, checked.
fn check(v: &mut Violations, t: &Team) -> Option<TeamInput> {
    check_name(v, "team.display_name", &t.display_name);
    let parent_team_id = convert::optional_id(v, "team.parent_team_id", &t.parent_team_id);
    let manager_person_id = convert::optional_id(v, "team.manager_id", &t.manager_id);
    let motion = from_wire::<attain_domain::org::Motion>(t.motion);
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

/// A required id of a request.
pub fn required_id(field: &str, text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, field, text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid(field, "is required"))
}

fn new_team(req: CreateTeamRequest) -> ApiResult<NewTeamInput> {
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let input = check(&mut v, &req.team.unwrap_or_default());
    let team = v
        .into_result(input)?
        .ok_or_else(|| ApiError::invalid("team", "is required"))?;
    Ok(NewTeamInput { request_id, team })
}

pub async fn create(api: &OrgApi, caller: &Caller, req: CreateTeamRequest) -> ApiResult<CreateTeamResponse> {
    let team = api.create_team(caller, new_team(req).into()).await?;
    Ok(CreateTeamResponse {
        team: Some(to_proto(&team)),
    })
}

pub async fn get(api: &OrgApi, caller: &Caller, req: GetTeamRequest) -> ApiResult<GetTeamResponse> {
    let id = required_id("team_id", &req.team_id)?;
    let team = api.get_team(caller, id).await?;
    Ok(GetTeamResponse {
        team: Some(to_proto(&team)),
    })
}

fn team_query(caller: &Caller, req: &ListTeamsRequest) -> ApiResult<TeamQuery> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, caller.tenant_id, req);
    let after = page
        .after
        .as_deref()
        .map(|a| convert::required_id(&mut v, "page_token", a));
    let parent_team_id = convert::optional_id(&mut v, "parent_team_id", &req.parent_team_id);
    v.into_result(())?;
    Ok(TeamQuery {
        page,
        after: after.flatten(),
        parent_team_id,
    })
}

pub async fn list(api: &OrgApi, caller: &Caller, req: ListTeamsRequest) -> ApiResult<ListTeamsResponse> {
    let listed = api.list_teams(caller, team_query(caller, &req)?).await?;
    Ok(ListTeamsResponse {
        teams: listed.items.iter().map(to_proto).collect(),
        next_page_token: listed.next_page_token,
    })
}

/// The change an UpdateTeam request asks for: the masked fields of its team over the stored
/// one, the result checked whole.
fn team_update(req: UpdateTeamRequest) -> ApiResult<TeamUpdate> {
    let mut v = Violations::new();
    let input = req.team.unwrap_or_default();
    let id = convert::required_id(&mut v, "team.id", &input.id);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let revision = convert::parse_etag(&mut v, "team.etag", &input.etag);
    let team_id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("team.id", "is required"))?;
    let apply = move |current: TeamRecord| {
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
        let Some(checked) = v.into_result(checked)? else {
            let mut v = Violations::new();
            v.add("team", "is invalid");
            return Err(v);
        };
        Ok(TeamRecord {
            display_name: checked.display_name,
            parent_team_id: checked.parent_team_id,
            motion: checked.motion,
            manager_person_id: checked.manager_person_id,
            ..current
        })
    };
    Ok(TeamUpdate {
        team_id,
        patch: Patch {
            revision,
            apply: Box::new(apply),
        },
    })
}

pub async fn update(api: &OrgApi, caller: &Caller, req: UpdateTeamRequest) -> ApiResult<UpdateTeamResponse> {
    let saved = api.update_team(caller, team_update(req).into()).await?;
    Ok(UpdateTeamResponse {
        team: Some(to_proto(&saved)),
    })
}

fn subtree_query(caller: &Caller, req: &ListTeamSubtreeRequest) -> ApiResult<SubtreeQuery> {
    let mut v = Violations::new();
    let root = convert::required_id(&mut v, "team_id", &req.team_id);
    let page = Page::of(&mut v, caller.tenant_id, req);
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
    Ok(SubtreeQuery {
        root,
        page,
        after: after.flatten(),
    })
}

pub async fn subtree(api: &OrgApi, caller: &Caller, req: ListTeamSubtreeRequest) -> ApiResult<ListTeamSubtreeResponse> {
    let listed = api.team_subtree(caller, subtree_query(caller, &req)?).await?;
    Ok(ListTeamSubtreeResponse {
        teams: listed
            .items
            .iter()
            .map(|(t, depth)| TeamInSubtree {
                team: Some(to_proto(t)),
                depth: *depth,
            })
            .collect(),
        next_page_token: listed.next_page_token,
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
