//! SQL of templates and their assignments. Every function runs inside a tenant transaction and
//! filters on the tenant explicitly; what it needs of the org directory comes in as arguments.

use attain_domain::{
    org::SalesRole,
    org_view::TenantDirectory,
    scorecard::template::{BuiltInTemplate, Section, TemplateLine},
};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

pub type Conn = PgConnection;
pub type Result<T> = std::result::Result<T, sqlx::Error>;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRecord {
    pub template_id: Uuid,
    pub key: String,
    pub display_name: String,
    pub description: String,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LineRecord {
    pub template_id: Uuid,
    pub metric_key: String,
    pub section: Section,
    pub daily: Option<f64>,
    pub weekly: Option<f64>,
    pub monthly: Option<f64>,
    pub quarterly: Option<f64>,
    pub level: Option<f64>,
    pub weight: f64,
    pub red_below: f64,
    pub green_from: f64,
}

const TEMPLATE_COLUMNS: &str = "template_id, key, display_name, description, revision, created_at, updated_at";

pub struct NewTemplate<'a> {
    pub key: &'a str,
    pub display_name: &'a str,
    pub description: &'a str,
    pub lines: &'a [TemplateLine],
}

pub async fn insert_template(
    c: &mut Conn,
    tenant: Uuid,
    t: &NewTemplate<'_>,
    request_id: Option<Uuid>,
) -> Result<TemplateRecord> {
    let record: TemplateRecord = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO scorecard.templates (tenant_id, template_id, key, display_name, description, create_request_id)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TEMPLATE_COLUMNS}"
    )))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(t.key)
    .bind(t.display_name)
    .bind(t.description)
    .bind(request_id)
    .fetch_one(&mut *c)
    .await?;
    insert_lines(c, tenant, record.template_id, t.lines).await?;
    Ok(record)
}

async fn insert_lines(c: &mut Conn, tenant: Uuid, template: Uuid, lines: &[TemplateLine]) -> Result<()> {
    let col = |f: fn(&TemplateLine) -> Option<f64>| lines.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO scorecard.template_lines (tenant_id, template_id, position, metric_key, section, daily, weekly,
             monthly, quarterly, level, weight, red_below, green_from)
         SELECT $1, $2, l.* FROM unnest($3::int[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::float8[],
             $9::float8[], $10::float8[], $11::float8[], $12::float8[], $13::float8[]) AS l",
    )
    .bind(tenant)
    .bind(template)
    .bind((0..lines.len() as i32).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.metric_key.as_str()).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.section.as_str()).collect::<Vec<_>>())
    .bind(col(|l| l.target.spec.daily))
    .bind(col(|l| l.target.spec.weekly))
    .bind(col(|l| l.target.spec.monthly))
    .bind(col(|l| l.target.spec.quarterly))
    .bind(col(|l| l.target.level))
    .bind(lines.iter().map(|l| l.weight).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.thresholds.red_below).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.thresholds.green_from).collect::<Vec<_>>())
    .execute(c)
    .await?;
    Ok(())
}

/// Copies the built-in templates into a tenant, leaving any key it already has alone.
pub async fn seed_built_ins(c: &mut Conn, tenant: Uuid, templates: &[BuiltInTemplate]) -> Result<()> {
    for t in templates {
        let inserted: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO scorecard.templates (tenant_id, template_id, key, display_name, description)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, key) DO NOTHING RETURNING template_id",
        )
        .bind(tenant)
        .bind(Uuid::now_v7())
        .bind(t.key)
        .bind(t.display_name)
        .bind(t.description)
        .fetch_optional(&mut *c)
        .await?;
        if let Some(id) = inserted {
            insert_lines(c, tenant, id, &t.lines).await?;
        }
    }
    Ok(())
}

pub async fn template_by_request(c: &mut Conn, tenant: Uuid, request_id: Uuid) -> Result<Option<TemplateRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TEMPLATE_COLUMNS} FROM scorecard.templates WHERE tenant_id = $1 AND create_request_id = $2"
    )))
    .bind(tenant)
    .bind(request_id)
    .fetch_optional(c)
    .await
}

pub async fn get_template(c: &mut Conn, tenant: Uuid, template: Uuid, lock: bool) -> Result<Option<TemplateRecord>> {
    let lock = if lock { "FOR UPDATE" } else { "" };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TEMPLATE_COLUMNS} FROM scorecard.templates WHERE tenant_id = $1 AND template_id = $2 {lock}"
    )))
    .bind(tenant)
    .bind(template)
    .fetch_optional(c)
    .await
}

/// The lines of `templates`, in template order.
pub async fn lines(c: &mut Conn, tenant: Uuid, templates: &[Uuid]) -> Result<Vec<LineRecord>> {
    sqlx::query_as(
        "SELECT template_id, metric_key, section, daily, weekly, monthly, quarterly, level, weight, red_below,
                green_from
         FROM scorecard.template_lines WHERE tenant_id = $1 AND template_id = ANY($2)
         ORDER BY template_id, position",
    )
    .bind(tenant)
    .bind(templates)
    .fetch_all(c)
    .await
}

/// Templates by key, after `after_key`.
pub async fn list_templates(
    c: &mut Conn,
    tenant: Uuid,
    after_key: Option<&str>,
    limit: i64,
) -> Result<Vec<TemplateRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TEMPLATE_COLUMNS} FROM scorecard.templates
         WHERE tenant_id = $1 AND ($2::text IS NULL OR key > $2) ORDER BY key LIMIT $3"
    )))
    .bind(tenant)
    .bind(after_key)
    .bind(limit)
    .fetch_all(c)
    .await
}

/// Saves a template's fields with the next revision, and replaces its lines when given.
pub async fn save_template(
    c: &mut Conn,
    tenant: Uuid,
    t: &TemplateRecord,
    lines: Option<&[TemplateLine]>,
) -> Result<TemplateRecord> {
    let saved: TemplateRecord = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE scorecard.templates SET display_name = $3, description = $4, revision = revision + 1,
             updated_at = now()
         WHERE tenant_id = $1 AND template_id = $2 RETURNING {TEMPLATE_COLUMNS}"
    )))
    .bind(tenant)
    .bind(t.template_id)
    .bind(&t.display_name)
    .bind(&t.description)
    .fetch_one(&mut *c)
    .await?;
    if let Some(lines) = lines {
        sqlx::query("DELETE FROM scorecard.template_lines WHERE tenant_id = $1 AND template_id = $2")
            .bind(tenant)
            .bind(t.template_id)
            .execute(&mut *c)
            .await?;
        insert_lines(c, tenant, t.template_id, lines).await?;
    }
    Ok(saved)
}

/// Deletes a template; its lines and assignments go with it. False when there was none.
pub async fn delete_template(c: &mut Conn, tenant: Uuid, template: Uuid) -> Result<bool> {
    let done = sqlx::query("DELETE FROM scorecard.templates WHERE tenant_id = $1 AND template_id = $2")
        .bind(tenant)
        .bind(template)
        .execute(c)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Whose template: a person or a team.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Person(Uuid),
    Team(Uuid),
}

/// Sets or (with `None`) removes a subject's template.
pub async fn assign(c: &mut Conn, tenant: Uuid, subject: Subject, template: Option<Uuid>) -> Result<()> {
    let (table, column, id) = match subject {
        Subject::Person(id) => ("person_templates", "person_id", id),
        Subject::Team(id) => ("team_templates", "team_id", id),
    };
    let sql = match template {
        Some(_) => format!(
            "INSERT INTO scorecard.{table} (tenant_id, {column}, template_id) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, {column}) DO UPDATE SET template_id = excluded.template_id"
        ),
        None => format!("DELETE FROM scorecard.{table} WHERE tenant_id = $1 AND {column} = $2 AND $3::uuid IS NULL"),
    };
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(id)
        .bind(template)
        .execute(c)
        .await?;
    Ok(())
}

/// Where each person's template may come from, nearest first: their own assignment, then their
/// team's and each team above it (from the org directory, `depth` 1 for their own team), then the
/// template keyed by their selling role ("sdr" for SDRs, "ae" for AEs and account managers).
/// Parallel arrays, bound to `assigned_ctes`.
#[derive(Debug, Default)]
pub struct TemplateSources {
    pub people: Vec<Uuid>,
    chain_people: Vec<Uuid>,
    chain_teams: Vec<Uuid>,
    chain_depths: Vec<i32>,
    role_people: Vec<Uuid>,
    role_keys: Vec<&'static str>,
}

impl TemplateSources {
    pub fn of(directory: &TenantDirectory, people: &[Uuid]) -> Self {
        let mut sources = TemplateSources {
            people: people.to_vec(),
            ..Default::default()
        };
        for &id in people {
            let Some(person) = directory.person(id) else {
                continue;
            };
            for (team, distance) in person.team_id.map(|t| directory.ancestors(t)).unwrap_or_default() {
                sources.chain_people.push(id);
                sources.chain_teams.push(team);
                sources
                    .chain_depths
                    .push(i32::try_from(distance).unwrap_or(i32::MAX - 1) + 1);
            }
            match person.sales_role {
                Some(SalesRole::Sdr) => sources.role_keys.push("sdr"),
                Some(role) if role.sells() => sources.role_keys.push("ae"),
                _ => continue,
            }
            sources.role_people.push(id);
        }
        sources
    }
}

/// CTEs that end in `assigned (person_id, template_id)`: the template of each person of
/// `TemplateSources` ($2 to $7) of tenant $1, the nearest source winning. People without any
/// (a sales leader with no team) are left out.
macro_rules! assigned_ctes {
    () => {
        "up AS (
             SELECT * FROM unnest($3::uuid[], $4::uuid[], $5::int[]) AS u (person_id, team_id, depth)
         ), by_role AS (
             SELECT * FROM unnest($6::uuid[], $7::text[]) AS r (person_id, key)
         ), assigned AS (
             SELECT DISTINCT ON (person_id) person_id, template_id FROM (
                 SELECT person_id, template_id, 0 AS rank FROM scorecard.person_templates
                 WHERE tenant_id = $1 AND person_id = ANY($2)
                 UNION ALL
                 SELECT up.person_id, tt.template_id, up.depth
                 FROM up JOIN scorecard.team_templates tt ON tt.tenant_id = $1 AND tt.team_id = up.team_id
                 UNION ALL
                 SELECT by_role.person_id, t.template_id, 1000 FROM by_role
                 JOIN scorecard.templates t ON t.tenant_id = $1 AND t.key = by_role.key
             ) x ORDER BY person_id, rank
         )"
    };
}

/// One row per line of each template the people have (see `assigned_ctes`) or that is
/// listed in `extra` (a team's own), with the template's columns and the people it is theirs
/// for; a template without lines gives one row with no line. One statement instead of three:
/// a scorecard waits for it before it can ask the metrics service anything.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateLineRow {
    #[sqlx(flatten)]
    pub template: TemplateRecord,
    pub metric_key: Option<String>,
    pub section: Option<Section>,
    pub daily: Option<f64>,
    pub weekly: Option<f64>,
    pub monthly: Option<f64>,
    pub quarterly: Option<f64>,
    pub level: Option<f64>,
    pub weight: Option<f64>,
    pub red_below: Option<f64>,
    pub green_from: Option<f64>,
    pub people: Option<Vec<Uuid>>,
}

impl TemplateLineRow {
    pub fn line(&self) -> Option<LineRecord> {
        Some(LineRecord {
            template_id: self.template.template_id,
            metric_key: self.metric_key.clone()?,
            section: self.section?,
            daily: self.daily,
            weekly: self.weekly,
            monthly: self.monthly,
            quarterly: self.quarterly,
            level: self.level,
            weight: self.weight?,
            red_below: self.red_below?,
            green_from: self.green_from?,
        })
    }
}

pub async fn templates_with_lines(
    c: &mut Conn,
    tenant: Uuid,
    sources: &TemplateSources,
    extra: &[Uuid],
) -> Result<Vec<TemplateLineRow>> {
    sqlx::query_as(concat!(
        "WITH ",
        assigned_ctes!(),
        " SELECT t.template_id, t.key, t.display_name, t.description, t.revision, t.created_at, t.updated_at,
                 l.metric_key, l.section, l.daily, l.weekly, l.monthly, l.quarterly, l.level, l.weight,
                 l.red_below, l.green_from,
                 (SELECT array_agg(a.person_id) FROM assigned a WHERE a.template_id = t.template_id) AS people
          FROM scorecard.templates t
          LEFT JOIN scorecard.template_lines l ON l.tenant_id = $1 AND l.template_id = t.template_id
          WHERE t.tenant_id = $1
            AND (t.template_id IN (SELECT template_id FROM assigned) OR t.template_id = ANY($8))
          ORDER BY t.template_id, l.position"
    ))
    .bind(tenant)
    .bind(&sources.people)
    .bind(&sources.chain_people)
    .bind(&sources.chain_teams)
    .bind(&sources.chain_depths)
    .bind(&sources.role_people)
    .bind(&sources.role_keys)
    .bind(extra)
    .fetch_all(c)
    .await
}

/// A team's own template or its nearest ancestor's (the team's chain from the org directory).
pub async fn template_of_team(c: &mut Conn, tenant: Uuid, chain: &[(Uuid, usize)]) -> Result<Option<Uuid>> {
    let teams: Vec<Uuid> = chain.iter().map(|(t, _)| *t).collect();
    let depths: Vec<i64> = chain
        .iter()
        .map(|(_, d)| i64::try_from(*d).unwrap_or(i64::MAX))
        .collect();
    sqlx::query_scalar(
        "SELECT tt.template_id FROM unnest($2::uuid[], $3::bigint[]) AS up (team_id, depth)
         JOIN scorecard.team_templates tt ON tt.tenant_id = $1 AND tt.team_id = up.team_id
         ORDER BY up.depth LIMIT 1",
    )
    .bind(tenant)
    .bind(teams)
    .bind(depths)
    .fetch_optional(c)
    .await
}
