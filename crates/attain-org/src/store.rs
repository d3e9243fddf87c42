//! SQL of the org directory. Every function runs inside a transaction from
//! `attain_runtime::db::begin_tenant`, and also filters on the tenant explicitly: row-level
//! security is the backstop, not the only guard.

use sqlx::PgConnection;
use uuid::Uuid;

use attain_domain::org::{Motion, PersonStatus, SalesRole};

use super::model::{PersonRecord, RoleChangeRecord, Scope, TeamRecord, TenantRecord};

type Conn = PgConnection;
type Result<T> = std::result::Result<T, sqlx::Error>;

// ---- tenants ----

pub async fn get_tenant(c: &mut Conn, tenant: Uuid, lock: bool) -> Result<Option<TenantRecord>> {
    let sql = if lock {
        "SELECT * FROM org.tenants WHERE tenant_id = $1 FOR UPDATE"
    } else {
        "SELECT * FROM org.tenants WHERE tenant_id = $1"
    };
    sqlx::query_as(sql).bind(tenant).fetch_optional(c).await
}

pub async fn save_tenant(c: &mut Conn, t: &TenantRecord) -> Result<TenantRecord> {
    sqlx::query_as(
        "UPDATE org.tenants SET display_name = $2, time_zone = $3, first_day_of_week = $4,
             fiscal_year_start_month = $5, working_days = $6, currency_code = $7,
             revision = revision + 1, updated_at = now()
         WHERE tenant_id = $1 RETURNING *",
    )
    .bind(t.tenant_id)
    .bind(&t.display_name)
    .bind(&t.time_zone)
    .bind(t.first_day_of_week)
    .bind(t.fiscal_year_start_month)
    .bind(&t.working_days)
    .bind(&t.currency_code)
    .fetch_one(c)
    .await
}

// ---- scope ----

/// Teams in the subtrees rooted at `roots`, roots included.
pub async fn subtree_ids(c: &mut Conn, tenant: Uuid, roots: &[Uuid]) -> Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "WITH RECURSIVE sub AS (
             SELECT team_id FROM org.teams WHERE tenant_id = $1 AND team_id = ANY($2)
             UNION
             SELECT t.team_id FROM org.teams t JOIN sub ON t.parent_team_id = sub.team_id
             WHERE t.tenant_id = $1)
         SELECT team_id FROM sub",
    )
    .bind(tenant)
    .bind(roots)
    .fetch_all(c)
    .await
}

pub async fn teams_managed_by(c: &mut Conn, tenant: Uuid, person: Uuid) -> Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT team_id FROM org.teams WHERE tenant_id = $1 AND manager_person_id = $2")
        .bind(tenant)
        .bind(person)
        .fetch_all(c)
        .await
}

pub async fn team_of(c: &mut Conn, tenant: Uuid, person: Uuid) -> Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT team_id FROM org.people WHERE tenant_id = $1 AND person_id = $2")
        .bind(tenant)
        .bind(person)
        .fetch_optional(c)
        .await
        .map(Option::flatten)
}

// ---- teams ----

pub struct NewTeam<'a> {
    pub display_name: &'a str,
    pub parent_team_id: Option<Uuid>,
    pub motion: Motion,
    pub manager_person_id: Option<Uuid>,
}

/// Inserts a team; with a `request_id` already used, returns the team made the first time.
pub async fn insert_team(c: &mut Conn, tenant: Uuid, t: &NewTeam<'_>, request_id: Option<Uuid>) -> Result<TeamRecord> {
    let inserted: Option<TeamRecord> = sqlx::query_as(
        "INSERT INTO org.teams (tenant_id, team_id, display_name, parent_team_id, motion, manager_person_id, create_request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id, create_request_id) DO NOTHING
         RETURNING *",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(t.display_name)
    .bind(t.parent_team_id)
    .bind(t.motion)
    .bind(t.manager_person_id)
    .bind(request_id)
    .fetch_optional(&mut *c)
    .await?;
    match inserted {
        Some(team) => Ok(team),
        None => {
            sqlx::query_as("SELECT * FROM org.teams WHERE tenant_id = $1 AND create_request_id = $2")
                .bind(tenant)
                .bind(request_id)
                .fetch_one(c)
                .await
        }
    }
}

pub async fn get_team(c: &mut Conn, tenant: Uuid, team: Uuid, lock: bool) -> Result<Option<TeamRecord>> {
    let sql = if lock {
        "SELECT * FROM org.teams WHERE tenant_id = $1 AND team_id = $2 FOR UPDATE"
    } else {
        "SELECT * FROM org.teams WHERE tenant_id = $1 AND team_id = $2"
    };
    sqlx::query_as(sql).bind(tenant).bind(team).fetch_optional(c).await
}

pub async fn save_team(c: &mut Conn, tenant: Uuid, t: &TeamRecord) -> Result<TeamRecord> {
    sqlx::query_as(
        "UPDATE org.teams SET display_name = $3, parent_team_id = $4, motion = $5, manager_person_id = $6,
             revision = revision + 1, updated_at = now()
         WHERE tenant_id = $1 AND team_id = $2 RETURNING *",
    )
    .bind(tenant)
    .bind(t.team_id)
    .bind(&t.display_name)
    .bind(t.parent_team_id)
    .bind(t.motion)
    .bind(t.manager_person_id)
    .fetch_one(c)
    .await
}

/// Whether `team` is `candidate_parent` or one of its ancestors, i.e. the move would make a cycle.
pub async fn is_ancestor_or_self(c: &mut Conn, tenant: Uuid, team: Uuid, candidate_parent: Uuid) -> Result<bool> {
    sqlx::query_scalar(
        "WITH RECURSIVE up AS (
             SELECT team_id, parent_team_id FROM org.teams WHERE tenant_id = $1 AND team_id = $3
             UNION
             SELECT t.team_id, t.parent_team_id FROM org.teams t JOIN up ON t.team_id = up.parent_team_id
             WHERE t.tenant_id = $1)
         SELECT EXISTS (SELECT 1 FROM up WHERE team_id = $2)",
    )
    .bind(tenant)
    .bind(team)
    .bind(candidate_parent)
    .fetch_one(c)
    .await
}

pub async fn list_teams(
    c: &mut Conn,
    tenant: Uuid,
    scope: &Scope,
    parent: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<TeamRecord>> {
    sqlx::query_as(
        "SELECT * FROM org.teams
         WHERE tenant_id = $1 AND ($2 OR team_id = ANY($3))
           AND ($4::uuid IS NULL OR parent_team_id = $4)
           AND ($5::uuid IS NULL OR team_id > $5)
         ORDER BY team_id LIMIT $6",
    )
    .bind(tenant)
    .bind(scope.all)
    .bind(&scope.teams)
    .bind(parent)
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await
}

/// The subtree under `root` with each team's depth, ordered by (depth, id), after a cursor.
pub async fn list_subtree(
    c: &mut Conn,
    tenant: Uuid,
    scope: &Scope,
    root: Uuid,
    after: Option<(i32, Uuid)>,
    limit: i64,
) -> Result<Vec<(TeamRecord, i32)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        team: TeamRecord,
        depth: i32,
    }
    let (after_depth, after_id) = after.unzip();
    let rows: Vec<Row> = sqlx::query_as(
        "WITH RECURSIVE sub AS (
             SELECT team_id, 0 AS depth FROM org.teams WHERE tenant_id = $1 AND team_id = $2
             UNION ALL
             SELECT t.team_id, sub.depth + 1 FROM org.teams t JOIN sub ON t.parent_team_id = sub.team_id
             WHERE t.tenant_id = $1)
         SELECT t.*, sub.depth FROM sub JOIN org.teams t ON t.tenant_id = $1 AND t.team_id = sub.team_id
         WHERE ($3 OR t.team_id = ANY($4))
           AND ($5::int IS NULL OR (sub.depth, t.team_id) > ($5, $6))
         ORDER BY sub.depth, t.team_id LIMIT $7",
    )
    .bind(tenant)
    .bind(root)
    .bind(scope.all)
    .bind(&scope.teams)
    .bind(after_depth)
    .bind(after_id)
    .bind(limit)
    .fetch_all(c)
    .await?;
    Ok(rows.into_iter().map(|r| (r.team, r.depth)).collect())
}

// ---- people ----

macro_rules! person_select {
    () => {
        "SELECT p.person_id, p.display_name, p.email, p.sales_role, p.team_id, p.manager_person_id, p.title,
                p.hire_date, p.start_date, p.end_date, p.status, p.time_zone, p.revision, p.created_at, p.updated_at,
                ARRAY(SELECT e.system FROM org.person_external_ids e
                      WHERE e.tenant_id = p.tenant_id AND e.person_id = p.person_id ORDER BY e.system) AS external_systems,
                ARRAY(SELECT e.external_id FROM org.person_external_ids e
                      WHERE e.tenant_id = p.tenant_id AND e.person_id = p.person_id ORDER BY e.system) AS external_ids
         FROM org.people p "
    };
}

/// The visibility condition for people, with the scope bound as $2 (all), $3 (member teams)
/// and $4 (the caller's own person).
macro_rules! person_visible {
    () => {
        "($2 OR p.team_id = ANY($3) OR p.person_id = $4 OR p.manager_person_id = $4)"
    };
}

/// The people of `ids` the scope shows, as a scorecard needs them, by name: visibility and the
/// rows in one statement.
pub async fn visible_members(
    c: &mut Conn,
    tenant: Uuid,
    scope: &Scope,
    ids: &[Uuid],
) -> Result<Vec<crate::model::Member>> {
    sqlx::query_as(concat!(
        "SELECT p.person_id, p.display_name, p.team_id, p.start_date FROM org.people p WHERE p.tenant_id = $1 AND ",
        person_visible!(),
        " AND p.person_id = ANY($5) ORDER BY p.display_name, p.person_id"
    ))
    .bind(tenant)
    .bind(scope.all)
    .bind(&scope.member_teams)
    .bind(scope.person)
    .bind(ids)
    .fetch_all(c)
    .await
}

pub async fn get_person(c: &mut Conn, tenant: Uuid, scope: &Scope, person: Uuid) -> Result<Option<PersonRecord>> {
    sqlx::query_as(concat!(
        person_select!(),
        "WHERE p.tenant_id = $1 AND ",
        person_visible!(),
        " AND p.person_id = $5"
    ))
    .bind(tenant)
    .bind(scope.all)
    .bind(&scope.member_teams)
    .bind(scope.person)
    .bind(person)
    .fetch_optional(c)
    .await
}

/// Locks a person row for a read-modify-write.
pub async fn lock_person(c: &mut Conn, tenant: Uuid, person: Uuid) -> Result<Option<PersonRecord>> {
    let exists: Option<Uuid> =
        sqlx::query_scalar("SELECT person_id FROM org.people WHERE tenant_id = $1 AND person_id = $2 FOR UPDATE")
            .bind(tenant)
            .bind(person)
            .fetch_optional(&mut *c)
            .await?;
    match exists {
        Some(_) => get_person(c, tenant, &Scope::tenant(), person).await,
        None => Ok(None),
    }
}

pub async fn person_exists(c: &mut Conn, tenant: Uuid, person: Uuid) -> Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM org.people WHERE tenant_id = $1 AND person_id = $2)")
        .bind(tenant)
        .bind(person)
        .fetch_one(c)
        .await
}

pub async fn team_exists(c: &mut Conn, tenant: Uuid, team: Uuid) -> Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM org.teams WHERE tenant_id = $1 AND team_id = $2)")
        .bind(tenant)
        .bind(team)
        .fetch_one(c)
        .await
}

pub struct PeopleFilter {
    /// Only members of these teams, when set.
    pub teams: Option<Vec<Uuid>>,
    pub status: Option<PersonStatus>,
}

pub async fn list_people(
    c: &mut Conn,
    tenant: Uuid,
    scope: &Scope,
    filter: &PeopleFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<PersonRecord>> {
    sqlx::query_as(concat!(
        person_select!(),
        "WHERE p.tenant_id = $1 AND ",
        person_visible!(),
        " AND ($5::uuid[] IS NULL OR p.team_id = ANY($5))
          AND ($6::text IS NULL OR p.status = $6)
          AND ($7::uuid IS NULL OR p.person_id > $7)
         ORDER BY p.person_id LIMIT $8"
    ))
    .bind(tenant)
    .bind(scope.all)
    .bind(&scope.member_teams)
    .bind(scope.person)
    .bind(&filter.teams)
    .bind(filter.status)
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await
}

pub async fn find_by_external_id(
    c: &mut Conn,
    tenant: Uuid,
    scope: &Scope,
    system: &str,
    external_id: &str,
) -> Result<Option<PersonRecord>> {
    sqlx::query_as(concat!(
        person_select!(),
        "JOIN org.person_external_ids x ON x.tenant_id = p.tenant_id AND x.person_id = p.person_id
         WHERE p.tenant_id = $1 AND ",
        person_visible!(),
        " AND x.system = $5 AND x.external_id = $6"
    ))
    .bind(tenant)
    .bind(scope.all)
    .bind(&scope.member_teams)
    .bind(scope.person)
    .bind(system)
    .bind(external_id)
    .fetch_optional(c)
    .await
}

/// People other than `except` that already hold one of these external ids, as (system, id).
pub async fn external_id_conflicts(
    c: &mut Conn,
    tenant: Uuid,
    except: Option<Uuid>,
    systems: &[String],
    ids: &[String],
) -> Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT x.system, x.external_id FROM org.person_external_ids x
         JOIN UNNEST($2::text[], $3::text[]) AS n(system, external_id)
           ON n.system = x.system AND n.external_id = x.external_id
         WHERE x.tenant_id = $1 AND ($4::uuid IS NULL OR x.person_id <> $4)",
    )
    .bind(tenant)
    .bind(systems)
    .bind(ids)
    .bind(except)
    .fetch_all(c)
    .await
}

/// Inserts a person; with a `request_id` already used, returns the person made the first time.
/// The second value is false when the person already existed.
pub async fn insert_person(
    c: &mut Conn,
    tenant: Uuid,
    p: &PersonRecord,
    request_id: Option<Uuid>,
) -> Result<(Uuid, bool)> {
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO org.people (tenant_id, person_id, display_name, email, sales_role, team_id, manager_person_id,
             title, hire_date, start_date, end_date, status, time_zone, create_request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (tenant_id, create_request_id) DO NOTHING
         RETURNING person_id",
    )
    .bind(tenant)
    .bind(p.person_id)
    .bind(&p.display_name)
    .bind(&p.email)
    .bind(p.sales_role)
    .bind(p.team_id)
    .bind(p.manager_person_id)
    .bind(&p.title)
    .bind(p.hire_date)
    .bind(p.start_date)
    .bind(p.end_date)
    .bind(p.status)
    .bind(&p.time_zone)
    .bind(request_id)
    .fetch_optional(&mut *c)
    .await?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let existing =
        sqlx::query_scalar("SELECT person_id FROM org.people WHERE tenant_id = $1 AND create_request_id = $2")
            .bind(tenant)
            .bind(request_id)
            .fetch_one(c)
            .await?;
    Ok((existing, false))
}

pub async fn save_person(c: &mut Conn, tenant: Uuid, p: &PersonRecord) -> Result<()> {
    sqlx::query(
        "UPDATE org.people SET display_name = $3, email = $4, sales_role = $5, team_id = $6, manager_person_id = $7,
             title = $8, hire_date = $9, start_date = $10, end_date = $11, status = $12, time_zone = $13,
             revision = revision + 1, updated_at = now()
         WHERE tenant_id = $1 AND person_id = $2",
    )
    .bind(tenant)
    .bind(p.person_id)
    .bind(&p.display_name)
    .bind(&p.email)
    .bind(p.sales_role)
    .bind(p.team_id)
    .bind(p.manager_person_id)
    .bind(&p.title)
    .bind(p.hire_date)
    .bind(p.start_date)
    .bind(p.end_date)
    .bind(p.status)
    .bind(&p.time_zone)
    .execute(c)
    .await
    .map(drop)
}

/// Replaces a person's external ids with the record's.
pub async fn replace_external_ids(c: &mut Conn, tenant: Uuid, p: &PersonRecord) -> Result<()> {
    sqlx::query("DELETE FROM org.person_external_ids WHERE tenant_id = $1 AND person_id = $2")
        .bind(tenant)
        .bind(p.person_id)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO org.person_external_ids (tenant_id, person_id, system, external_id)
         SELECT $1, $2, s, i FROM UNNEST($3::text[], $4::text[]) AS n(s, i)",
    )
    .bind(tenant)
    .bind(p.person_id)
    .bind(&p.external_systems)
    .bind(&p.external_ids)
    .execute(c)
    .await
    .map(drop)
}

pub async fn insert_role_change(
    c: &mut Conn,
    tenant: Uuid,
    person: Uuid,
    sales_role: SalesRole,
    title: &str,
    effective_date: chrono::NaiveDate,
) -> Result<RoleChangeRecord> {
    sqlx::query_as(
        "INSERT INTO org.role_history (tenant_id, person_id, role_change_id, sales_role, title, effective_date)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING role_change_id, sales_role, title, effective_date, recorded_at",
    )
    .bind(tenant)
    .bind(person)
    .bind(Uuid::now_v7())
    .bind(sales_role)
    .bind(title)
    .bind(effective_date)
    .fetch_one(c)
    .await
}

pub async fn role_history(c: &mut Conn, tenant: Uuid, person: Uuid) -> Result<Vec<RoleChangeRecord>> {
    sqlx::query_as(
        "SELECT role_change_id, sales_role, title, effective_date, recorded_at FROM org.role_history
         WHERE tenant_id = $1 AND person_id = $2 ORDER BY effective_date, role_change_id",
    )
    .bind(tenant)
    .bind(person)
    .fetch_all(c)
    .await
}

// ---- resolution for other services ----

/// Of `ids`, those that exist and are visible.
pub async fn visible_person_ids(c: &mut Conn, tenant: Uuid, scope: &Scope, ids: Option<&[Uuid]>) -> Result<Vec<Uuid>> {
    sqlx::query_scalar(concat!(
        "SELECT p.person_id FROM org.people p WHERE p.tenant_id = $1 AND ",
        person_visible!(),
        " AND ($5::uuid[] IS NULL OR p.person_id = ANY($5)) ORDER BY p.person_id"
    ))
    .bind(tenant)
    .bind(scope.all)
    .bind(&scope.member_teams)
    .bind(scope.person)
    .bind(ids)
    .fetch_all(c)
    .await
}

/// Resolves (system, external id) pairs to visible people, as (person, system, id).
pub async fn resolve_external_ids(
    c: &mut Conn,
    tenant: Uuid,
    scope: &Scope,
    systems: &[String],
    ids: &[String],
) -> Result<Vec<(Uuid, String, String)>> {
    sqlx::query_as(concat!(
        "SELECT p.person_id, x.system, x.external_id FROM org.person_external_ids x
         JOIN UNNEST($5::text[], $6::text[]) AS n(system, external_id)
           ON n.system = x.system AND n.external_id = x.external_id
         JOIN org.people p ON p.tenant_id = x.tenant_id AND p.person_id = x.person_id
         WHERE x.tenant_id = $1 AND ",
        person_visible!()
    ))
    .bind(tenant)
    .bind(scope.all)
    .bind(&scope.member_teams)
    .bind(scope.person)
    .bind(systems)
    .bind(ids)
    .fetch_all(c)
    .await
}
