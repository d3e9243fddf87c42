//! The org directory's use cases, one function per RPC (`crate::grpc` says which answers
//! which): the checks and access rules, store calls, and the answer. `credential`,
//! `operator` and `peer_directory` hold the other three services' use cases.

mod credential;
pub(crate) mod operator;
mod peer_directory;
pub(crate) mod person;
pub(crate) mod resolve;
pub(crate) mod team;
pub(crate) mod tenant;

use attain_domain::org::AccessRole;
use attain_runtime::{ApiResult, Caller};
use sqlx::{PgConnection, PgPool};

pub use credential::CredentialApi;
pub use operator::OperatorApi;
pub use peer_directory::PeerDirectoryApi;

use super::{model::Scope, store};

/// The org directory API over a pool whose role is subject to row-level security.
#[derive(Clone)]
pub struct OrgApi {
    pool: PgPool,
}

impl OrgApi {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// What `caller` may see: the whole tenant, a manager's team subtrees, or a rep's own record.
pub async fn scope_of(c: &mut PgConnection, caller: &Caller) -> ApiResult<Scope> {
    let tenant = caller.tenant_id;
    let Some(person) = caller.person_id.filter(|_| !caller.role.sees_whole_tenant()) else {
        return Ok(Scope::tenant());
    };
    let own_team = store::team_of(c, tenant, person).await?;
    let managed = match caller.role {
        AccessRole::Manager => {
            let roots = store::teams_managed_by(c, tenant, person).await?;
            store::subtree_ids(c, tenant, &roots).await?
        }
        _ => Vec::new(),
    };
    let mut teams = managed.clone();
    teams.extend(own_team.filter(|t| !managed.contains(t)));
    Ok(Scope {
        all: false,
        teams,
        member_teams: managed,
        person: Some(person),
    })
}
