//! A service's copy of each tenant's org directory, kept current over gRPC
//! (`attain.org.v1.PeerDirectoryService`): every call asks the directory whether the copy is
//! still current and what the caller may see, and gets the whole tenant only when something
//! changed. So a service never reads the org schema, yet a person or team created a moment ago
//! is there at once, and a call costs one small round trip instead of a directory read.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use attain_domain::org_view::{DirPerson, DirTeam, Scope, TenantDirectory, View};
use attain_proto::org::v1::{
    GetTenantDirectoryRequest, TenantDirectory as PbDirectory,
    peer_directory_service_client::PeerDirectoryServiceClient,
};
use uuid::Uuid;

use crate::{
    ApiError, Ctx,
    auth::{PeerIdentity, peer},
    convert,
    enums::from_wire,
    peer::{PeerChannel, peer_error, request},
};

/// Tenants whose copies are kept before all are dropped, which bounds memory.
const MAX_TENANTS: usize = 10_000;

pub struct TenantDirectories {
    client: PeerDirectoryServiceClient<PeerChannel>,
    identity: PeerIdentity,
    copies: Mutex<HashMap<Uuid, Arc<TenantDirectory>>>,
}

fn bad_answer(what: &str) -> ApiError {
    ApiError::internal(anyhow::anyhow!("the org directory sent {what}"))
}

impl TenantDirectories {
    /// Connects lazily to the org directory at `url`; calls are signed as `identity`.
    pub fn new(url: &str, identity: PeerIdentity, max_message_bytes: usize) -> anyhow::Result<Self> {
        let channel = PeerChannel::lazy(url, "ATTAIN_ORG_URL")?;
        Ok(Self {
            client: PeerDirectoryServiceClient::new(channel)
                .max_decoding_message_size(max_message_bytes)
                .max_encoding_message_size(max_message_bytes),
            identity,
            copies: Mutex::new(HashMap::new()),
        })
    }

    fn held(&self, tenant: Uuid) -> Option<Arc<TenantDirectory>> {
        self.copies.lock().ok()?.get(&tenant).cloned()
    }

    fn keep(&self, tenant: Uuid, directory: Arc<TenantDirectory>) {
        if let Ok(mut copies) = self.copies.lock() {
            if copies.len() >= MAX_TENANTS && !copies.contains_key(&tenant) {
                copies.clear();
            }
            copies.insert(tenant, directory);
        }
    }

    /// The caller's tenant as of now, and what the caller may see of it. The context's
    /// credential is the caller's own: the directory checks it again and decides the scope.
    pub async fn view(&self, ctx: &Ctx) -> Result<View, ApiError> {
        let caller = ctx.caller();
        let held = self.held(caller.tenant_id);
        let mut request = request(
            ctx,
            GetTenantDirectoryRequest {
                known_version: held.as_ref().map_or(0, |d| d.version),
            },
        )?;
        let token = self
            .identity
            .mint_now()
            .parse()
            .map_err(|_| ApiError::internal(anyhow::anyhow!("a peer token is not header text")))?;
        request.metadata_mut().insert(peer::HEADER, token);
        let answer = self
            .client
            .clone()
            .get_tenant_directory(request)
            .await
            .map_err(|s| peer_error("the org directory", s))?
            .into_inner();
        let directory = match (answer.directory, held) {
            (Some(sent), _) => {
                let directory = Arc::new(decode(caller.tenant_id, answer.version, sent)?);
                self.keep(caller.tenant_id, directory.clone());
                directory
            }
            (None, Some(held)) if held.version == answer.version => held,
            (None, _) => return Err(bad_answer("no directory for a version this service does not hold")),
        };
        let scope = answer.scope.ok_or_else(|| bad_answer("no scope"))?;
        let ids = |ids: &[String]| -> Result<HashSet<Uuid>, ApiError> {
            ids.iter()
                .map(|id| Uuid::try_parse(id).map_err(|_| bad_answer("a malformed id")))
                .collect()
        };
        Ok(View {
            directory,
            scope: Scope {
                all: scope.whole_tenant,
                teams: ids(&scope.team_ids)?,
                member_teams: ids(&scope.member_team_ids)?,
                people: ids(&scope.person_ids)?,
            },
        })
    }
}

fn decode(tenant_id: Uuid, version: i64, sent: PbDirectory) -> Result<TenantDirectory, ApiError> {
    let tenant = sent
        .tenant
        .ok_or_else(|| bad_answer("a directory without its tenant"))?;
    let calendar = tenant
        .calendar
        .as_ref()
        .ok_or_else(|| bad_answer("a tenant without a calendar"))
        .and_then(|c| convert::calendar_from_proto(c).map_err(|v| bad_answer(&format!("an invalid calendar: {v}"))))?;
    let id = |text: &str| Uuid::try_parse(text).map_err(|_| bad_answer("a malformed id"));
    let optional_id = |text: &str| if text.is_empty() { Ok(None) } else { id(text).map(Some) };
    let teams = sent
        .teams
        .into_iter()
        .map(|t| {
            Ok(DirTeam {
                team_id: id(&t.team_id)?,
                parent_team_id: optional_id(&t.parent_team_id)?,
                display_name: t.display_name,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let people = sent
        .people
        .into_iter()
        .map(|p| {
            Ok(DirPerson {
                person_id: id(&p.person_id)?,
                team_id: optional_id(&p.team_id)?,
                sales_role: from_wire::<attain_domain::org::SalesRole>(p.sales_role),
                status: from_wire::<attain_domain::org::PersonStatus>(p.status)
                    .ok_or_else(|| bad_answer("a person without a status"))?,
                start_date: p
                    .start_date
                    .map(|d| {
                        chrono::NaiveDate::from_ymd_opt(d.year, d.month as u32, d.day as u32)
                            .ok_or_else(|| bad_answer("an invalid date"))
                    })
                    .transpose()?,
                display_name: p.display_name,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(TenantDirectory::new(
        tenant_id,
        version,
        calendar,
        tenant.currency_code,
        teams,
        people,
    ))
}
