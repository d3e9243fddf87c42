//! `attain.operator.v1.OperatorService` on the wire: the operator key every call must carry,
//! then the request checked and decoded, one use case of [`OperatorApi`], and the answer
//! encoded.

use attain_domain::{Violations, calendar::Calendar};
use attain_idp::KeySource;
use attain_proto::{
    operator::v1::{
        operator_service_server::{OperatorService, OperatorServiceServer},
        *,
    },
    org::v1::AccessRole as PbRole,
};
use attain_runtime::{ApiError, ApiResult, convert};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::tenant;
use crate::{
    app::{
        OperatorApi,
        operator::{NewApiKey, NewTenant},
    },
    identity::IdentityProvider as Idp,
};

impl OperatorApi {
    pub fn into_server(self, max_message_bytes: usize) -> OperatorServiceServer<OperatorApi> {
        OperatorServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }

    async fn operator<T>(&self, req: &Request<T>) -> ApiResult<Uuid> {
        self.authenticate(req.metadata().get("authorization").and_then(|v| v.to_str().ok()))
            .await
    }
}

/// The tenant a request names: a required UUID, by the same rule as every other id.
fn tenant_id(text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "tenant_id", text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid("tenant_id", "is required"))
}

fn operator_tenant(t: &crate::operator::OperatorTenant) -> attain_proto::operator::v1::OperatorTenant {
    attain_proto::operator::v1::OperatorTenant {
        tenant: Some(tenant::to_proto(&t.tenant)),
        suspend_time: t.suspended_at.map(convert::timestamp),
        suspend_reason: t.suspend_reason.clone(),
    }
}

/// The tenant a CreateTenant request asks for, checked; the currency defaults to USD and the
/// calendar to a Monday-to-Friday one in UTC.
fn new_tenant(req: CreateTenantRequest) -> ApiResult<NewTenant> {
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
        Some(cal) => tenant::calendar_from_proto(&mut v, "tenant.calendar", cal),
    };
    let calendar = v.into_result(calendar)?.unwrap_or_default();
    Ok(NewTenant {
        display_name: t.display_name,
        calendar,
        currency_code: currency,
    })
}

/// The key a CreateApiKey request asks for, checked: expiry in the future and at most ten
/// years ahead, a person for MANAGER and REP keys.
fn new_api_key(req: CreateApiKeyRequest) -> ApiResult<NewApiKey> {
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
    Ok(NewApiKey {
        tenant,
        role,
        person,
        name: req.name,
        expires_at,
    })
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

#[tonic::async_trait]
impl OperatorService for OperatorApi {
    async fn create_tenant(&self, req: Request<CreateTenantRequest>) -> Result<Response<CreateTenantResponse>, Status> {
        let key = self.operator(&req).await?;
        let created = self.create_tenant(key, &new_tenant(req.into_inner())?).await?;
        Ok(Response::new(CreateTenantResponse {
            tenant: Some(operator_tenant(&created)),
        }))
    }

    async fn list_tenants(&self, req: Request<ListTenantsRequest>) -> Result<Response<ListTenantsResponse>, Status> {
        self.operator(&req).await?;
        let tenants = self.list_tenants().await?;
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
        let t = self.suspend_tenant(key, tenant, reason).await?;
        Ok(Response::new(SuspendTenantResponse {
            tenant: Some(operator_tenant(&t)),
        }))
    }

    async fn resume_tenant(&self, req: Request<ResumeTenantRequest>) -> Result<Response<ResumeTenantResponse>, Status> {
        let key = self.operator(&req).await?;
        let tenant = tenant_id(&req.into_inner().tenant_id)?;
        let t = self.resume_tenant(key, tenant).await?;
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
        let stored = self.add_identity_provider(key, &idp).await.map_err(|e| match e {
            // The store names fields as `issuer`; the request nests them.
            ApiError::InvalidArgument(v) => {
                let mut nested = Violations::new();
                nested.extend_prefixed("identity_provider", v);
                ApiError::InvalidArgument(nested)
            }
            other => other,
        })?;
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
        let idps = self.list_identity_providers(tenant).await?;
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
        self.remove_identity_provider(key, tenant, &req.issuer).await?;
        Ok(Response::new(RemoveIdentityProviderResponse {}))
    }

    async fn create_api_key(
        &self,
        req: Request<CreateApiKeyRequest>,
    ) -> Result<Response<CreateApiKeyResponse>, Status> {
        let key = self.operator(&req).await?;
        let (key_id, api_key) = self.create_api_key(key, &new_api_key(req.into_inner())?).await?;
        Ok(Response::new(CreateApiKeyResponse {
            key_id: key_id.to_string(),
            api_key,
        }))
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
        self.revoke_api_key(operator_key, tenant, key).await?;
        Ok(Response::new(RevokeApiKeyResponse {}))
    }
}
