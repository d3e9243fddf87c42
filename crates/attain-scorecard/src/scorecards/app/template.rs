//! Templates: create, read, list, update, delete and assign. Only ADMIN changes them; every
//! credential of the tenant reads them.

use attain_domain::{
    Violations,
    org::AccessRole,
    scorecard::template::{TemplateLine, check_template},
};
use attain_runtime::{
    ApiError, ApiResult, Ctx, convert,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
};
use uuid::Uuid;

use super::{
    ScorecardApi,
    context::{Template, line_from_record},
};
use crate::scorecards::store::{self, NewTemplate, Subject, TemplateRecord};

/// A template to create: its fields as given, its lines decoded. What the decoder found wrong is
/// answered together with what the catalog check finds, in one INVALID_ARGUMENT naming every
/// bad field (docs/decisions.md: the decoder returns its violations with the typed input).
pub struct TemplateDraft {
    pub request_id: Option<Uuid>,
    pub key: String,
    pub display_name: String,
    pub description: String,
    pub lines: Vec<TemplateLine>,
    /// The decoder's findings (a bad request id, a line without a section or target).
    pub violations: Violations,
}

/// A change of a template: each field named in the update mask, checked; the others `None`.
pub struct TemplateUpdate {
    pub template_id: Uuid,
    /// The revision the caller read; `None` changes whatever is stored.
    pub revision: Option<i64>,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub lines: Option<Vec<TemplateLine>>,
}

/// Which template a person or team follows (`None`: none of their own).
pub struct TemplateAssignment {
    pub subject: Subject,
    pub template_id: Option<Uuid>,
}

/// Checks a template's key, names and lines against the tenant's catalog, fetched fresh, and
/// answers `v` (what was found before) with what it finds.
async fn check(
    api: &ScorecardApi,
    ctx: &Ctx,
    mut v: Violations,
    (key, display_name, description): (&str, &str, &str),
    lines: &[TemplateLine],
) -> ApiResult<()> {
    let catalog = api.metrics.catalog(ctx, true).await?;
    let (found, _) = check_template(key, display_name, description, lines, |key| {
        catalog.get(key).map(|m| m.shape)
    });
    v.extend_prefixed("template", found);
    Ok(v.into_result(())?)
}

/// The template with its lines.
pub(super) async fn with_lines(c: &mut sqlx::PgConnection, tenant: Uuid, t: TemplateRecord) -> ApiResult<Template> {
    let lines: Vec<TemplateLine> = store::lines(c, tenant, &[t.template_id])
        .await?
        .iter()
        .map(line_from_record)
        .collect();
    Ok(Template { record: t, lines })
}

impl ScorecardApi {
    /// ADMIN only: the caller is checked before their fields, which are all answered at once.
    pub async fn create_template(&self, ctx: &Ctx, draft: TemplateDraft) -> ApiResult<Template> {
        ctx.require(&[AccessRole::Admin], "create templates")?;
        let TemplateDraft {
            request_id,
            key,
            display_name,
            description,
            lines,
            violations,
        } = draft;
        check(self, ctx, violations, (&key, &display_name, &description), &lines).await?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let existing = match request_id {
            Some(id) => store::template_by_request(&mut tx, tenant, id).await?,
            None => None,
        };
        let record = match existing {
            Some(record) => record,
            None => {
                let new = NewTemplate {
                    key: &key,
                    display_name: &display_name,
                    description: &description,
                    lines: &lines,
                };
                store::insert_template(&mut tx, tenant, &new, request_id)
                    .await
                    .map_err(|e| match ApiError::from(e) {
                        ApiError::AlreadyExists(_) => {
                            ApiError::AlreadyExists(format!("a template with key \"{key}\" already exists"))
                        }
                        other => other,
                    })?
            }
        };
        let template = with_lines(&mut tx, tenant, record).await?;
        tx.commit().await?;
        Ok(template)
    }

    /// Every credential of the tenant reads templates.
    pub async fn get_template(&self, ctx: &Ctx, id: Uuid) -> ApiResult<Template> {
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let record = store::get_template(&mut tx, ctx.tenant_id, id, false)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("template {id}")))?;
        let template = with_lines(&mut tx, ctx.tenant_id, record).await?;
        tx.commit().await?;
        Ok(template)
    }

    /// The tenant's templates by key.
    pub async fn list_templates(&self, ctx: &Ctx, page: Page) -> ApiResult<Listed<Template>> {
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let records = store::list_templates(&mut tx, tenant, page.after.as_deref(), page.fetch_limit()).await?;
        let listed = page.list(records, |t| t.key.clone());
        let ids: Vec<Uuid> = listed.items.iter().map(|t| t.template_id).collect();
        let all_lines = store::lines(&mut tx, tenant, &ids).await?;
        tx.commit().await?;
        let items = listed
            .items
            .into_iter()
            .map(|record| {
                let lines: Vec<TemplateLine> = all_lines
                    .iter()
                    .filter(|l| l.template_id == record.template_id)
                    .map(line_from_record)
                    .collect();
                Template { record, lines }
            })
            .collect();
        Ok(Listed {
            items,
            next_page_token: listed.next_page_token,
        })
    }

    /// ADMIN only: the caller is checked before their fields.
    pub async fn update_template(&self, ctx: &Ctx, input: Decoded<TemplateUpdate>) -> ApiResult<Template> {
        ctx.require(&[AccessRole::Admin], "change templates")?;
        let update = input.get()?;
        let id = update.template_id;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let mut record = store::get_template(&mut tx, tenant, id, true)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("template {id}")))?;
        convert::check_revision(update.revision, record.revision, "template")?;
        let current: Vec<TemplateLine> = store::lines(&mut tx, tenant, &[id])
            .await?
            .iter()
            .map(line_from_record)
            .collect();
        if let Some(name) = update.display_name {
            record.display_name = name;
        }
        if let Some(description) = update.description {
            record.description = description;
        }
        // The merged template is checked as a whole, so an update cannot leave it invalid.
        let names = (
            record.key.as_str(),
            record.display_name.as_str(),
            record.description.as_str(),
        );
        let lines = update.lines.as_deref().unwrap_or(&current);
        check(self, ctx, Violations::new(), names, lines).await?;
        let saved = store::save_template(&mut tx, tenant, &record, update.lines.as_deref()).await?;
        let template = with_lines(&mut tx, tenant, saved).await?;
        tx.commit().await?;
        Ok(template)
    }

    /// ADMIN only: the caller is checked before the id.
    pub async fn delete_template(&self, ctx: &Ctx, id: Decoded<Uuid>) -> ApiResult<()> {
        ctx.require(&[AccessRole::Admin], "delete templates")?;
        let id = id.get()?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        if !store::delete_template(&mut tx, ctx.tenant_id, id).await? {
            return Err(ApiError::not_found(format!("template {id}")));
        }
        tx.commit().await?;
        Ok(())
    }

    /// ADMIN only: the caller is checked before their fields.
    pub async fn assign_template(&self, ctx: &Ctx, input: Decoded<TemplateAssignment>) -> ApiResult<()> {
        ctx.require(&[AccessRole::Admin], "assign templates")?;
        let TemplateAssignment {
            subject,
            template_id: template,
        } = input.get()?;
        let tenant = ctx.tenant_id;
        // ADMIN only, so everything in the tenant is visible.
        let view = self.view(ctx).await?;
        let exists = match subject {
            Subject::Person(id) => view.directory.person(id).is_some(),
            Subject::Team(id) => view.team_exists(id),
        };
        if !exists {
            return Err(ApiError::not_found(match subject {
                Subject::Person(id) => format!("person {id}"),
                Subject::Team(id) => format!("team {id}"),
            }));
        }
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        if let Some(t) = template
            && store::get_template(&mut tx, tenant, t, false).await?.is_none()
        {
            return Err(ApiError::not_found(format!("template {t}")));
        }
        store::assign(&mut tx, tenant, subject, template).await?;
        tx.commit().await?;
        Ok(())
    }
}
