//! `attain.org.v1.PeerDirectoryService`: a tenant's whole directory for the other Attain
//! services, at a version they can check cheaply, with what the calling person may see of it.
//! Only Attain services may ask (a peer token), always on behalf of a caller whose credential
//! the authentication layer has already checked; the tenant is that caller's.

use attain_domain::org::{PersonStatus, SalesRole};
use attain_runtime::{ApiError, ApiResult, Caller, auth::PeerIdentity, db::begin_tenant};
use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::scope_of;
use crate::{model::TenantRecord, store};

/// A team of the directory: id, parent, name.
pub type DirectoryTeam = (Uuid, Option<Uuid>, String);

/// A person of the directory: id, name, team, sales role, status, start date.
pub type DirectoryPerson = (Uuid, String, Option<Uuid>, SalesRole, PersonStatus, Option<NaiveDate>);

/// A tenant's whole directory.
pub struct TenantDirectory {
    pub tenant: TenantRecord,
    pub teams: Vec<DirectoryTeam>,
    pub people: Vec<DirectoryPerson>,
}

/// What the calling person may see of the directory.
#[derive(Default)]
pub struct CallerScope {
    pub whole_tenant: bool,
    pub team_ids: Vec<Uuid>,
    pub member_team_ids: Vec<Uuid>,
    pub person_ids: Vec<Uuid>,
}

/// The directory's version, the directory itself unless the asking service holds that
/// version already, and the caller's scope.
pub struct DirectoryAnswer {
    pub version: i64,
    pub directory: Option<TenantDirectory>,
    pub scope: CallerScope,
}

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
    pub async fn get(&self, caller: &Caller, known_version: i64) -> ApiResult<DirectoryAnswer> {
        get(&self.pool, caller, known_version).await
    }
}

async fn get(pool: &PgPool, caller: &Caller, known_version: i64) -> ApiResult<DirectoryAnswer> {
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
    Ok(DirectoryAnswer {
        version,
        directory,
        scope,
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
    let teams: Vec<DirectoryTeam> =
        sqlx::query_as("SELECT team_id, parent_team_id, display_name FROM org.teams WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_all(&mut *c)
            .await?;
    let people: Vec<DirectoryPerson> = sqlx::query_as(
        "SELECT person_id, display_name, team_id, sales_role, status, start_date FROM org.people
         WHERE tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_all(&mut *c)
    .await?;
    Ok(TenantDirectory {
        tenant: record,
        teams,
        people,
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
    Ok(CallerScope {
        whole_tenant: false,
        team_ids: scope.teams,
        member_team_ids: scope.member_teams,
        person_ids: people,
    })
}
