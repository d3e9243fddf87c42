//! `attain.org.v1.PeerDirectoryService`: a tenant's whole directory for the other Attain
//! services, at a version they can check cheaply, with what the calling person may see of it.
//! Only Attain services may ask (a peer token), always on behalf of a caller whose credential
//! the authentication layer has already checked; the tenant is that caller's.

use attain_proto::org::v1::{
    CallerScope, DirectoryPerson, DirectoryTeam, GetTenantDirectoryRequest, GetTenantDirectoryResponse,
    TenantDirectory, peer_directory_service_server::PeerDirectoryService,
};
use attain_runtime::{
    ApiError, ApiResult, Caller,
    auth::{PeerIdentity, peer},
    convert,
    db::begin_tenant,
};
use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::{respond, scope_of, tenant};
use crate::store;

#[derive(Clone)]
pub struct PeerDirectoryApi {
    pool: PgPool,
    identity: PeerIdentity,
}

impl PeerDirectoryApi {
    pub fn new(pool: PgPool, identity: PeerIdentity) -> Self {
        Self { pool, identity }
    }

    /// The generated tonic server, with message size limits applied.
    pub fn into_server(
        self,
        max_message_bytes: usize,
    ) -> attain_proto::org::v1::peer_directory_service_server::PeerDirectoryServiceServer<Self> {
        attain_proto::org::v1::peer_directory_service_server::PeerDirectoryServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

#[tonic::async_trait]
impl PeerDirectoryService for PeerDirectoryApi {
    async fn get_tenant_directory(
        &self,
        req: Request<GetTenantDirectoryRequest>,
    ) -> Result<Response<GetTenantDirectoryResponse>, Status> {
        let token = req.metadata().get(peer::HEADER).and_then(|v| v.to_str().ok());
        self.identity.verify(token, chrono::Utc::now().timestamp())?;
        let caller = Caller::of(&req)?;
        let known = req.into_inner().known_version;
        if known < 0 {
            return Err(ApiError::invalid("known_version", "must be 0 (none) or a version this RPC returned").into());
        }
        respond(get(&self.pool, &caller, known).await)
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
    type PersonRow = (Uuid, String, Option<Uuid>, String, String, Option<NaiveDate>);
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
                sales_role: attain_runtime::enums::text_to_wire::<attain_domain::org::SalesRole>(&role),
                status: attain_runtime::enums::text_to_wire::<attain_domain::org::PersonStatus>(&status),
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
