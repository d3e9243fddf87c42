//! `attain.operator.v1.OperatorService`: the platform operator's API. Every call is
//! authenticated by a platform-operator key here (the tenant authentication layer lets this
//! path through untouched, and no tenant credential is accepted).

use std::sync::Arc;

use attain_domain::{Violations, calendar::Calendar};
use attain_idp::KeySource;
use attain_proto::{
    operator::v1::{operator_service_server::OperatorService, *},
    org::v1::AccessRole as PbRole,
};
use attain_runtime::{ApiError, ApiResult, convert};
use sqlx::PgPool;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::tenant;
use crate::{
    admin,
    identity::{IdentityProvider as Idp, IdentityProviders},
    operator::{self, OperatorTenant},
};

#[derive(Clone)]
pub struct OperatorApi {
    pool: PgPool,
    idps: Arc<IdentityProviders>,
    setup: Arc<dyn crate::TenantSetup>,
}

impl OperatorApi {
    /// `setup` prepares each new tenant for the rest of the process (see [`crate::TenantSetup`]).
    pub fn new(pool: PgPool, idps: Arc<IdentityProviders>, setup: Arc<dyn crate::TenantSetup>) -> Self {
        Self { pool, idps, setup }
    }

    pub fn into_server(self, max_message_bytes: usize) -> operator_service_server::OperatorServiceServer<OperatorApi> {
        operator_service_server::OperatorServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }

    /// Records an operator's write on `tenant` in its audit trail; a failure is logged and
    /// counted, the write itself stands.
    async fn audited(&self, key: Uuid, tenant: Uuid, method: &str, resource: String, after: Option<serde_json::Value>) {
        if let Err(e) =
            attain_runtime::audit::write_operator(&self.pool, crate::AUDIT_TABLE, tenant, key, method, &resource, after)
                .await
        {
            attain_runtime::audit::WRITE_FAILURES.inc();
            tracing::error!(method, %tenant, "could not write the audit row of an operator's write: {e}");
        }
    }

    async fn operator<T>(&self, req: &Request<T>) -> ApiResult<Uuid> {
        let header = req.metadata().get("authorization").and_then(|v| v.to_str().ok());
        let key = operator::authenticate(&self.pool, header).await?;
        tracing::Span::current().record("operator", tracing::field::display(key));
        Ok(key)
    }
}

/// The tenant a request names: a required UUID, by the same rule as every other id.
fn tenant_id(text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "tenant_id", text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid("tenant_id", "is required"))
}

fn operator_tenant(t: &OperatorTenant) -> attain_proto::operator::v1::OperatorTenant {
    attain_proto::operator::v1::OperatorTenant {
        tenant: Some(tenant::to_proto(&t.tenant)),
        suspend_time: t.suspended_at.map(convert::timestamp),
        suspend_reason: t.suspend_reason.clone(),
    }
}

/// Checks an issuer message and turns it into the stored form (defaults applied).
fn idp_from_proto(p: IdentityProvider) -> ApiResult<Idp> {
    let mut v = Violations::new();
    let tenant_id = convert::required_id(&mut v, "identity_provider.tenant_id", &p.tenant_id);
    let keys = match (p.jwks_url.is_empty(), p.inline_keys.is_empty()) {
        (false, true) => Some(KeySource::JwksUrl(p.jwks_url.clone())),
        (true, false) => Some(KeySource::Inline(p.inline_keys.clone())),
        _ => {
            v.add(
                "identity_provider.jwks_url",
                "exactly one of jwks_url and inline_keys is required",
            );
            None
        }
    };
    let person_match = match PersonMatch::try_from(p.person_match) {
        Ok(PersonMatch::Unspecified | PersonMatch::Email) => Some(crate::identity::PersonMatch::Email),
        Ok(PersonMatch::ExternalId) => Some(crate::identity::PersonMatch::ExternalId),
        Ok(PersonMatch::PersonId) => Some(crate::identity::PersonMatch::PersonId),
        Err(_) => {
            v.add("identity_provider.person_match", "is not a PersonMatch value");
            None
        }
    };
    let mut role_map = Vec::new();
    for (i, m) in p.role_mappings.iter().enumerate() {
        match attain_runtime::enums::from_wire::<attain_domain::org::AccessRole>(m.role) {
            Some(role) => role_map.push((m.claim_value.clone(), role)),
            None => v.add(
                format!("identity_provider.role_mappings[{i}].role"),
                "must be an ACCESS_ROLE_ value other than UNSPECIFIED",
            ),
        }
    }
    let default_role = match PbRole::try_from(p.default_role) {
        Ok(PbRole::Unspecified) => None,
        Ok(_) => attain_runtime::enums::from_wire::<attain_domain::org::AccessRole>(p.default_role),
        Err(_) => {
            v.add("identity_provider.default_role", "is not an AccessRole value");
            None
        }
    };
    let (Some(tenant_id), Some(keys), Some(person_match)) = (tenant_id, keys, person_match) else {
        return Err(v.into());
    };
    let idp = Idp {
        tenant_id,
        issuer: p.issuer,
        audiences: p.audiences,
        keys,
        person_claim: if p.person_claim.is_empty() {
            "email".into()
        } else {
            p.person_claim
        },
        person_match,
        external_system: p.external_system,
        role_claim: p.role_claim,
        role_map,
        default_role,
        leeway_seconds: if p.leeway_seconds == 0 { 30 } else { p.leeway_seconds },
        max_lifetime_seconds: if p.max_lifetime_seconds == 0 {
            3600
        } else {
            p.max_lifetime_seconds
        },
        created_at: chrono::Utc::now(),
    };
    if let Err(more) = idp.validate() {
        v.extend_prefixed("identity_provider", more);
    }
    v.into_result(idp).map_err(ApiError::from)
}

fn idp_to_proto(p: &Idp) -> IdentityProvider {
    let (jwks_url, inline_keys) = match &p.keys {
        KeySource::JwksUrl(url) => (url.clone(), String::new()),
        KeySource::Inline(keys) => (String::new(), keys.clone()),
    };
    IdentityProvider {
        tenant_id: p.tenant_id.to_string(),
        issuer: p.issuer.clone(),
        audiences: p.audiences.clone(),
        jwks_url,
        inline_keys,
        person_claim: p.person_claim.clone(),
        person_match: match p.person_match {
            crate::identity::PersonMatch::Email => PersonMatch::Email,
            crate::identity::PersonMatch::ExternalId => PersonMatch::ExternalId,
            crate::identity::PersonMatch::PersonId => PersonMatch::PersonId,
        } as i32,
        external_system: p.external_system.clone(),
        role_claim: p.role_claim.clone(),
        role_mappings: p
            .role_map
            .iter()
            .map(|(value, role)| RoleMapping {
                claim_value: value.clone(),
                role: attain_runtime::enums::to_wire(*role),
            })
            .collect(),
        default_role: p.default_role.map_or(0, attain_runtime::enums::to_wire),
        leeway_seconds: p.leeway_seconds,
        max_lifetime_seconds: p.max_lifetime_seconds,
        create_time: Some(convert::timestamp(p.created_at)),
    }
}

impl OperatorApi {
    async fn new_tenant(&self, req: CreateTenantRequest) -> ApiResult<CreateTenantResponse> {
        let t = req.tenant.unwrap_or_default();
        let mut v = Violations::new();
        attain_domain::org::check_name(&mut v, "tenant.display_name", &t.display_name);
        let currency = if t.currency_code.is_empty() {
            "USD".to_string()
        } else {
            t.currency_code.clone()
        };
        v.check(
            "tenant.currency_code",
            attain_domain::calendar::check_currency_code(&currency),
        );
        let calendar = match &t.calendar {
            None => Some(Calendar::default()),
            Some(cal) => {
                let days: Vec<_> = cal
                    .working_days
                    .iter()
                    .map(|d| attain_runtime::enums::from_wire::<chrono::Weekday>(*d))
                    .collect();
                match Calendar::new(
                    &cal.time_zone,
                    attain_runtime::enums::from_wire::<chrono::Weekday>(cal.first_day_of_week),
                    cal.fiscal_year_start_month,
                    &days,
                ) {
                    Ok(c) => Some(c),
                    Err(errors) => {
                        v.extend_prefixed("tenant.calendar", errors);
                        None
                    }
                }
            }
        };
        let calendar = v.into_result(calendar)?.unwrap_or_default();
        let record = admin::create_tenant(&self.pool, &t.display_name, &calendar, &currency, self.setup.as_ref())
            .await
            .map_err(ApiError::internal)?;
        Ok(CreateTenantResponse {
            tenant: Some(operator_tenant(&OperatorTenant {
                tenant: record,
                suspended_at: None,
                suspend_reason: String::new(),
            })),
        })
    }

    async fn new_api_key(&self, req: CreateApiKeyRequest) -> ApiResult<CreateApiKeyResponse> {
        let mut v = Violations::new();
        let tenant = convert::required_id(&mut v, "tenant_id", &req.tenant_id);
        let role = attain_runtime::enums::from_wire::<attain_domain::org::AccessRole>(req.role);
        if role.is_none() {
            v.add("role", "must be an ACCESS_ROLE_ value other than UNSPECIFIED");
        }
        let person = convert::optional_id(&mut v, "person_id", &req.person_id);
        if role.is_some_and(|r| r.needs_person()) && req.person_id.is_empty() {
            v.add("person_id", "is required for MANAGER and REP keys");
        }
        attain_domain::org::check_name(&mut v, "name", &req.name);
        let expires_at = match req.expire_time.as_ref() {
            None => None,
            // At most ten years ahead, as `attain apikey create --expires-in` allows; a key meant to
            // outlive that is one without an expiry.
            Some(at) => match convert::from_timestamp_opt(at)
                .filter(|at| *at > chrono::Utc::now() && *at <= chrono::Utc::now() + chrono::Duration::days(3653))
            {
                Some(at) => Some(at),
                None => {
                    v.add("expire_time", "must be in the future and at most 10 years ahead");
                    None
                }
            },
        };
        let (Some(tenant), Some(role)) = (tenant, role) else {
            return Err(v.into());
        };
        v.into_result(())?;
        let (key_id, api_key) = admin::create_api_key_until(&self.pool, tenant, role, person, &req.name, expires_at)
            .await
            // The store's refusals are of the request's ids: no such tenant or person.
            .map_err(|e| ApiError::not_found(e.to_string()))?;
        Ok(CreateApiKeyResponse {
            key_id: key_id.to_string(),
            api_key,
        })
    }
}

#[tonic::async_trait]
impl OperatorService for OperatorApi {
    async fn create_tenant(&self, req: Request<CreateTenantRequest>) -> Result<Response<CreateTenantResponse>, Status> {
        let key = self.operator(&req).await?;
        let created = self.new_tenant(req.into_inner()).await?;
        if let Some(id) = created
            .tenant
            .as_ref()
            .and_then(|t| t.tenant.as_ref())
            .and_then(|t| Uuid::try_parse(&t.id).ok())
        {
            self.audited(key, id, "CreateTenant", format!("tenant/{id}"), None)
                .await;
        }
        Ok(Response::new(created))
    }

    async fn list_tenants(&self, req: Request<ListTenantsRequest>) -> Result<Response<ListTenantsResponse>, Status> {
        self.operator(&req).await?;
        let tenants = operator::list_tenants(&self.pool).await?;
        Ok(Response::new(ListTenantsResponse {
            tenants: tenants.iter().map(operator_tenant).collect(),
        }))
    }

    async fn suspend_tenant(
        &self,
        req: Request<SuspendTenantRequest>,
    ) -> Result<Response<SuspendTenantResponse>, Status> {
        let key = self.operator(&req).await?;
        let req = req.into_inner();
        let tenant = tenant_id(&req.tenant_id)?;
        let reason = if req.reason.is_empty() {
            "suspended by the platform operator"
        } else {
            &req.reason
        };
        let t = operator::set_suspended(&self.pool, tenant, Some(reason)).await?;
        let after = serde_json::json!({"suspended": true, "reason": reason});
        self.audited(key, tenant, "SuspendTenant", format!("tenant/{tenant}"), Some(after))
            .await;
        Ok(Response::new(SuspendTenantResponse {
            tenant: Some(operator_tenant(&t)),
        }))
    }

    async fn resume_tenant(&self, req: Request<ResumeTenantRequest>) -> Result<Response<ResumeTenantResponse>, Status> {
        let key = self.operator(&req).await?;
        let tenant = tenant_id(&req.into_inner().tenant_id)?;
        let t = operator::set_suspended(&self.pool, tenant, None).await?;
        let after = serde_json::json!({"suspended": false});
        self.audited(key, tenant, "ResumeTenant", format!("tenant/{tenant}"), Some(after))
            .await;
        Ok(Response::new(ResumeTenantResponse {
            tenant: Some(operator_tenant(&t)),
        }))
    }

    async fn add_identity_provider(
        &self,
        req: Request<AddIdentityProviderRequest>,
    ) -> Result<Response<AddIdentityProviderResponse>, Status> {
        let key = self.operator(&req).await?;
        let idp = idp_from_proto(req.into_inner().identity_provider.unwrap_or_default())?;
        let stored = self.idps.add(&idp).await.map_err(|e| match e {
            // The store names fields as `issuer`; the request nests them.
            ApiError::InvalidArgument(v) => {
                let mut nested = Violations::new();
                nested.extend_prefixed("identity_provider", v);
                ApiError::InvalidArgument(nested)
            }
            other => other,
        })?;
        let resource = format!("identity_provider/{}", stored.issuer);
        self.audited(key, stored.tenant_id, "AddIdentityProvider", resource, None)
            .await;
        Ok(Response::new(AddIdentityProviderResponse {
            identity_provider: Some(idp_to_proto(&stored)),
        }))
    }

    async fn list_identity_providers(
        &self,
        req: Request<ListIdentityProvidersRequest>,
    ) -> Result<Response<ListIdentityProvidersResponse>, Status> {
        self.operator(&req).await?;
        let tenant = tenant_id(&req.into_inner().tenant_id)?;
        let idps = self.idps.list(tenant).await?;
        Ok(Response::new(ListIdentityProvidersResponse {
            identity_providers: idps.iter().map(idp_to_proto).collect(),
        }))
    }

    async fn remove_identity_provider(
        &self,
        req: Request<RemoveIdentityProviderRequest>,
    ) -> Result<Response<RemoveIdentityProviderResponse>, Status> {
        let key = self.operator(&req).await?;
        let req = req.into_inner();
        let tenant = tenant_id(&req.tenant_id)?;
        self.idps.remove(tenant, &req.issuer).await?;
        let resource = format!("identity_provider/{}", req.issuer);
        self.audited(key, tenant, "RemoveIdentityProvider", resource, None)
            .await;
        Ok(Response::new(RemoveIdentityProviderResponse {}))
    }

    async fn create_api_key(
        &self,
        req: Request<CreateApiKeyRequest>,
    ) -> Result<Response<CreateApiKeyResponse>, Status> {
        let key = self.operator(&req).await?;
        let req = req.into_inner();
        let tenant = Uuid::try_parse(&req.tenant_id).ok();
        let created = self.new_api_key(req).await?;
        if let Some(tenant) = tenant {
            self.audited(key, tenant, "CreateApiKey", format!("api_key/{}", created.key_id), None)
                .await;
        }
        Ok(Response::new(created))
    }

    async fn revoke_api_key(
        &self,
        req: Request<RevokeApiKeyRequest>,
    ) -> Result<Response<RevokeApiKeyResponse>, Status> {
        let operator_key = self.operator(&req).await?;
        let req = req.into_inner();
        let mut v = Violations::new();
        let tenant = convert::required_id(&mut v, "tenant_id", &req.tenant_id);
        let key = convert::required_id(&mut v, "key_id", &req.key_id);
        let (Some(tenant), Some(key)) = (tenant, key) else {
            return Err(ApiError::from(v).into());
        };
        admin::revoke_api_key(&self.pool, tenant, key)
            .await
            .map_err(|_| ApiError::not_found(format!("active key {key} of tenant {tenant}")))?;
        self.audited(operator_key, tenant, "RevokeApiKey", format!("api_key/{key}"), None)
            .await;
        Ok(Response::new(RevokeApiKeyResponse {}))
    }
}
