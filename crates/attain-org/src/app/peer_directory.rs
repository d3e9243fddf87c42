//! `attain.org.v1.PeerDirectoryService`: a tenant's whole directory for the other Attain
//! services, at a version they can check cheaply, with what the calling person may see of it.
//! Only Attain services may ask (a peer token), always on behalf of a caller whose credential
//! the authentication layer has already checked; the tenant is that caller's.

use attain_domain::org::{PersonStatus, SalesRole};
use attain_proto::org::v1::{CallerScope, DirectoryPerson, DirectoryTeam, GetTenantDirectoryResponse, TenantDirectory};
use attain_runtime::{ApiError, ApiResult, Caller, auth::PeerIdentity, convert, db::begin_tenant};
use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{scope_of, tenant};
use crate::store;

#[derive(Clone)]
pub struct PeerDirectoryApi {
    pool: PgPool,
    /// Checks the peer token every call must carry (see `crate::grpc`).
    pub(crate) identity: PeerIdentity,
}

impl PeerDirectoryApi {
    pub fn new(pool: PgPool, identity: PeerIdentity) -> Self {
        Self { pool, identity }
    }

    /// The caller's tenant directory, unless the asking service already holds `known_version`
    /// (then only the version and the caller's scope), with what the caller may see of it.
    pub async fn get(&self, caller: &Caller, known_version: i64) -> ApiResult<GetTenantDirectoryResponse> {
        get(&self.pool, caller, known_version).await
    }
}

async fn get(pool: &PgPool, caller: &Caller, known_version: i64) -> ApiResult<GetTenantDirectoryResponse> {
    let tenant_id = caller.tenant_id;
    let mut tx = begin_tenant(pool, tenant_id).await?;
    // The version first: a change committed between this and the reads below makes the copy
    // newer than its version says, so the next call fetches again; never the other way round.
    let version = version(&mut tx, tenant_id).await?;
    let directory = if version == known_version {
        None
    } else {
        Some(directory(&mut tx, tenant_id).await?)
    };
    let scope = caller_scope(&mut tx, caller).await?;
    tx.commit().await?;
    Ok(GetTenantDirectoryResponse {
        version,
        directory,
        scope: Some(scope),
    })
}

/// The tenant's directory version; a tenant whose directory never changed since versions were
/// kept is at 1 (migration `0010_directory_versions.sql`).
async fn version(c: &mut PgConnection, tenant: Uuid) -> ApiResult<i64> {
    let version: Option<i64> = sqlx::query_scalar("SELECT version FROM org.directory_versions WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(c)
        .await?;
    Ok(version.unwrap_or(1))
}

async fn directory(c: &mut PgConnection, tenant_id: Uuid) -> ApiResult<TenantDirectory> {
    let record = store::get_tenant(c, tenant_id, false)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    let teams: Vec<(Uuid, Option<Uuid>, String)> =
        sqlx::query_as("SELECT team_id, parent_team_id, display_name FROM org.teams WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_all(&mut *c)
            .await?;
    type PersonRow = (Uuid, String, Option<Uuid>, SalesRole, PersonStatus, Option<NaiveDate>);
    let people: Vec<PersonRow> = sqlx::query_as(
        "SELECT person_id, display_name, team_id, sales_role, status, start_date FROM org.people
         WHERE tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_all(&mut *c)
    .await?;
    let id = |team: Option<Uuid>| team.map(|t| t.to_string()).unwrap_or_default();
    Ok(TenantDirectory {
        tenant: Some(tenant::to_proto(&record)),
        teams: teams
            .into_iter()
            .map(|(team_id, parent, display_name)| DirectoryTeam {
                team_id: team_id.to_string(),
                parent_team_id: id(parent),
                display_name,
            })
            .collect(),
        people: people
            .into_iter()
            .map(|(person_id, display_name, team, role, status, start)| DirectoryPerson {
                person_id: person_id.to_string(),
                display_name,
                team_id: id(team),
                sales_role: attain_runtime::enums::to_wire(role),
                status: attain_runtime::enums::to_wire(status),
                start_date: start.map(convert::date_to_proto),
            })
            .collect(),
    })
}

/// What the caller may see, by the same rules every directory read applies.
async fn caller_scope(c: &mut PgConnection, caller: &Caller) -> ApiResult<CallerScope> {
    let scope = scope_of(c, caller).await?;
    if scope.all {
        return Ok(CallerScope {
            whole_tenant: true,
            ..Default::default()
        });
    }
    let people = store::visible_person_ids(c, caller.tenant_id, &scope, None).await?;
    let ids = |ids: &[Uuid]| ids.iter().map(Uuid::to_string).collect();
    Ok(CallerScope {
        whole_tenant: false,
        team_ids: ids(&scope.teams),
        member_team_ids: ids(&scope.member_teams),
        person_ids: ids(&people),
    })
}
