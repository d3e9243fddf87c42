//! The org directory's use cases, one method of [`OrgApi`] per RPC, taking the caller and
//! typed input (decoded by `crate::grpc`) and returning records: the access rules, the checks
//! against the tenant's data, the store calls. `credential`, `operator` and `peer_directory`
//! hold the other three services' use cases.

mod credential;
pub mod operator;
pub mod peer_directory;
pub mod person;
pub mod resolve;
pub mod team;
pub mod tenant;

use attain_domain::{Violations, org::AccessRole};
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

/// An update decided by a request's field mask: the revision the caller read (`None`: any),
/// and the change itself as a function of the stored record, which gives the new record or the
/// faults of the fields it set. It is applied once the record is found and locked, so a caller
/// hears NOT_FOUND or of a stale etag before what is wrong with their fields.
pub struct Patch<R> {
    pub revision: Option<i64>,
    pub apply: Box<dyn FnOnce(R) -> Result<R, Violations> + Send>,
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
