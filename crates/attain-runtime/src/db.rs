//! PostgreSQL access shared by every service: the pool, each service's embedded migrations in
//! its own schema, the service's database role, and transactions scoped to one tenant so that
//! row-level security applies.

use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::{
    AssertSqlSafe, PgPool, Postgres, SqlSafeStr, Transaction,
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use uuid::Uuid;

use crate::config::DatabaseArgs;

/// A service's migrations and the schemas they own.
#[derive(Debug, Clone, Copy)]
pub struct SchemaSet {
    /// The service, e.g. `scorecard`; also the schema that holds its migration history.
    pub service: &'static str,
    /// Every schema the service owns, e.g. `["org", "scorecard"]`.
    pub schemas: &'static [&'static str],
    pub migrator: &'static Migrator,
}

impl SchemaSet {
    /// The default database role of the service, e.g. `attain_scorecard`.
    pub fn default_role(&self) -> String {
        format!("attain_{}", self.service)
    }
}

/// Opens the service's pool, logged in as the service's own role (`db_role` when set, else the
/// URL's user). Refuses a login that row-level security does not bind (a superuser, a BYPASSRLS
/// role, or the owner of a tenant table): no connection of a service can turn the database's own
/// guard off with `RESET ROLE`.
pub async fn connect(args: &DatabaseArgs) -> anyhow::Result<PgPool> {
    let url = args.require_url()?;
    let mut options: PgConnectOptions = url.parse().context("DATABASE_URL is not a valid PostgreSQL URL")?;
    if let Some(role) = &args.db_role {
        check_identifier(role).context("ATTAIN_DB_ROLE")?;
        options = options.username(role);
    }
    // Names the service's sessions in pg_stat_activity, so an operator (and the guard test) can
    // see which role each service logs in as.
    let application = args.db_role.clone().unwrap_or_else(|| "attain".to_string());
    options = options.application_name(&application);
    let pool = PgPoolOptions::new()
        .max_connections(args.db_max_connections)
        .acquire_timeout(args.db_acquire_timeout)
        .connect_with(options)
        .await
        .context("cannot connect to the database at DATABASE_URL")?;
    check_guarded_login(&pool).await?;
    Ok(pool)
}

/// Connections a service's background work (the fold, the webhook dispatcher, the milestone
/// detector) has to itself, whatever the calls are doing.
pub const BACKGROUND_CONNECTIONS: u32 = 4;

/// A small pool beside `pool` for background work, with its login and settings: however busy
/// one tenant keeps the calls' connections, the background work of every tenant still gets its
/// own. Connects on first use.
pub fn background_pool(pool: &PgPool) -> PgPool {
    pool.options()
        .clone()
        .min_connections(0)
        .max_connections(BACKGROUND_CONNECTIONS)
        .connect_lazy_with((*pool.connect_options()).clone())
}

/// Fails unless row-level security binds the login role of `pool`.
async fn check_guarded_login(pool: &PgPool) -> anyhow::Result<()> {
    let (user, bypass, owns): (String, bool, bool) = sqlx::query_as(
        "SELECT session_user::text,
                (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = session_user),
                EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE c.relrowsecurity AND pg_has_role(session_user, c.relowner, 'USAGE')
                          AND n.nspname NOT IN ('pg_catalog', 'information_schema'))",
    )
    .fetch_one(pool)
    .await
    .context("checking the database login role")?;
    if bypass {
        bail!(
            "DATABASE_URL logs in as \"{user}\", a superuser or BYPASSRLS role; a service must log in as its own role \
             (set ATTAIN_DB_ROLE, e.g. attain_metrics, or put that role in DATABASE_URL)"
        );
    }
    if owns {
        bail!(
            "DATABASE_URL logs in as \"{user}\", which owns (or may act as the owner of) tenant tables; a service must log \
             in as its own role (set ATTAIN_DB_ROLE, e.g. attain_metrics, or put that role in DATABASE_URL)"
        );
    }
    Ok(())
}

/// Connects with the URL as given, for migrations and operator commands that act as the owner.
pub async fn connect_owner(url: &str) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.parse().context("DATABASE_URL is not a valid PostgreSQL URL")?;
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .context("cannot connect to the database at DATABASE_URL")
}

/// Runs a service's embedded migrations, keeping its history in `<service>._sqlx_migrations`
/// so services sharing one database never see each other's migrations, then hands the
/// cross-tenant functions to the bypass role.
pub async fn migrate(pool: &PgPool, set: &SchemaSet) -> anyhow::Result<()> {
    let mut migrator = Migrator {
        migrations: set.migrator.migrations.clone(),
        ..Migrator::DEFAULT
    };
    migrator.create_schema(set.service);
    migrator.dangerous_set_table_name(format!("{}._sqlx_migrations", set.service));
    migrator
        .run(pool)
        .await
        .with_context(|| format!("migrating the {} schemas", set.service))?;
    grant_bypass_functions(pool, set).await
}

/// The role that operator paths and cross-tenant background functions use, explicitly, to read
/// across tenants: NOLOGIN and BYPASSRLS. Every tenant table has FORCE ROW LEVEL SECURITY, so
/// even the tables' owner sees no tenant's rows without naming one, unless it takes this role.
pub const BYPASS_ROLE: &str = "attain_bypass";

/// Gives the service role exactly what it needs on the service's own schemas: usage, row
/// reads and writes, and the schemas' functions (migrations revoke them from PUBLIC), but not
/// the migration history. It never owns the tables and has no BYPASSRLS, so row-level security
/// always applies to it. With `create`, a missing role is created as a login role without a
/// password (for `attain dev` and tests, whose private clusters trust local logins); otherwise
/// it must already exist.
pub async fn grant_service_role(pool: &PgPool, set: &SchemaSet, role: &str, create: bool) -> anyhow::Result<()> {
    check_identifier(role)?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
        .bind(role)
        .fetch_one(pool)
        .await?;
    if !exists {
        if !create {
            bail!("database role \"{role}\" does not exist; create it or pass --create-roles");
        }
        // Roles are shared by every database of the cluster, so parallel test databases may
        // race to create the same one; losing that race is fine.
        let create = format!(
            "DO $$ BEGIN CREATE ROLE \"{role}\" LOGIN NOSUPERUSER NOBYPASSRLS; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        );
        sqlx::raw_sql(AssertSqlSafe(create)).execute(pool).await?;
    } else if create {
        // Roles made by older versions were NOLOGIN (services switched to them with SET ROLE).
        // Only then: roles are cluster-wide, and parallel test databases altering the same role
        // at once collide ("tuple concurrently updated").
        let login: bool = sqlx::query_scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1")
            .bind(role)
            .fetch_one(pool)
            .await?;
        if !login {
            sqlx::raw_sql(AssertSqlSafe(format!("ALTER ROLE \"{role}\" LOGIN")))
                .execute(pool)
                .await?;
        }
    }
    let bypass: bool = sqlx::query_scalar("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = $1")
        .bind(role)
        .fetch_one(pool)
        .await?;
    if bypass {
        bail!(
            "database role \"{role}\" is a superuser or has BYPASSRLS; a service role must not bypass row-level security"
        );
    }
    for schema in set.schemas {
        let grants = format!(
            "GRANT USAGE ON SCHEMA \"{schema}\" TO \"{role}\"; \
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"{schema}\" TO \"{role}\"; \
             GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA \"{schema}\" TO \"{role}\"; \
             GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA \"{schema}\" TO \"{role}\""
        );
        sqlx::raw_sql(AssertSqlSafe(grants)).execute(pool).await?;
    }
    // Platform-operator keys are made and revoked with the owner's connection only: a service
    // (even a compromised one) may check them, never mint one.
    for schema in set.schemas {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass(format('%I.operator_keys', $1::text)) IS NOT NULL")
            .bind(schema)
            .fetch_one(pool)
            .await?;
        if exists {
            sqlx::raw_sql(AssertSqlSafe(format!(
                "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE \"{schema}\".operator_keys FROM \"{role}\""
            )))
            .execute(pool)
            .await?;
        }
    }
    // The audit trail is append-only: the service may add rows and read them, nothing else.
    for schema in set.schemas {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass(format('%I.audit_events', $1::text)) IS NOT NULL")
            .bind(schema)
            .fetch_one(pool)
            .await?;
        if exists {
            sqlx::raw_sql(AssertSqlSafe(format!(
                "REVOKE UPDATE, DELETE, TRUNCATE ON TABLE \"{schema}\".audit_events FROM \"{role}\""
            )))
            .execute(pool)
            .await?;
        }
    }
    // The history says which migrations ran; a service that could edit it could make the next
    // `attain migrate` skip or re-run one. Reading it stays: readiness checks the schema is
    // current. Every history in the set's schemas, whichever service's it is.
    let histories: Vec<String> = sqlx::query_scalar(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relname = '_sqlx_migrations' AND n.nspname = ANY($1)",
    )
    .bind(set.schemas)
    .fetch_all(pool)
    .await?;
    for history in histories {
        // format('%I.%I') quotes the catalog's own names.
        sqlx::raw_sql(AssertSqlSafe(format!(
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE {history} FROM \"{role}\""
        )))
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Makes the cross-tenant functions of a service's schemas (SECURITY DEFINER: the webhook
/// claim, the milestone tenants) run as [`BYPASS_ROLE`], since FORCE ROW LEVEL SECURITY binds
/// their owner. The role is made here when the migrating login may (a superuser); otherwise an
/// operator makes it once, as the error says.
pub async fn grant_bypass_functions(pool: &PgPool, set: &SchemaSet) -> anyhow::Result<()> {
    ensure_bypass_role(pool).await?;
    for schema in set.schemas {
        let grants = format!(
            "GRANT USAGE, CREATE ON SCHEMA \"{schema}\" TO {BYPASS_ROLE}; \
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"{schema}\" TO {BYPASS_ROLE}"
        );
        sqlx::raw_sql(AssertSqlSafe(grants)).execute(pool).await?;
    }
    let definers: Vec<String> = sqlx::query_scalar(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.prosecdef AND n.nspname = ANY($1) AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)",
    )
    .bind(set.schemas)
    .bind(BYPASS_ROLE)
    .fetch_all(pool)
    .await?;
    for function in definers {
        // regprocedure text is the catalog's own quoted signature, not caller input.
        sqlx::raw_sql(AssertSqlSafe(format!(
            "ALTER FUNCTION {function} OWNER TO {BYPASS_ROLE}"
        )))
        .execute(pool)
        .await
        .with_context(|| format!("giving {function} to {BYPASS_ROLE}"))?;
    }
    Ok(())
}

async fn ensure_bypass_role(pool: &PgPool) -> anyhow::Result<()> {
    let (exists, superuser, member): (bool, bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1),
                (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
                EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AND pg_has_role(current_user, $1, 'MEMBER')",
    )
    .bind(BYPASS_ROLE)
    .fetch_one(pool)
    .await?;
    if !exists {
        if !superuser {
            bail!(
                "the database role {BYPASS_ROLE} does not exist and this login may not create a BYPASSRLS role; \
                 as a superuser, run once: CREATE ROLE {BYPASS_ROLE} NOLOGIN BYPASSRLS; GRANT {BYPASS_ROLE} TO <migrating user>"
            );
        }
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DO $$ BEGIN CREATE ROLE {BYPASS_ROLE} NOLOGIN NOSUPERUSER BYPASSRLS; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )))
        .execute(pool)
        .await?;
    }
    // A superuser may take any role already. Parallel migrations of test databases (one cluster,
    // cluster-wide roles) may race to grant the same membership; losing that race is fine.
    if !member && !superuser {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DO $$ BEGIN GRANT {BYPASS_ROLE} TO CURRENT_USER; \
             EXCEPTION WHEN unique_violation THEN NULL; END $$"
        )))
        .execute(pool)
        .await
        .with_context(|| {
            format!("the migrating user must be a member of {BYPASS_ROLE}: GRANT {BYPASS_ROLE} TO <migrating user>")
        })?;
    }
    Ok(())
}

/// Starts an operator transaction that reads across tenants, as [`BYPASS_ROLE`]: the one explicit
/// way past row-level security, for `attain tenant list` and the like.
pub async fn begin_bypass(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    // Fails at once while the database does not answer, instead of after the acquire timeout.
    let connection = crate::reachability::acquire(pool).await?;
    Transaction::begin(
        connection,
        Some(AssertSqlSafe(format!("BEGIN; SET LOCAL ROLE {BYPASS_ROLE}")).into_sql_str()),
    )
    .await
}

/// Starts a transaction in which row-level security admits only `tenant`'s rows. The setting
/// is transaction-local, so a pooled connection never carries one tenant into another's call.
pub async fn begin_tenant(pool: &PgPool, tenant: Uuid) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    // BEGIN and the setting go to the server as one simple query: one round trip instead of
    // two on every call. A UUID prints as hex digits and dashes only, so splicing it is safe.
    let waiting = std::time::Instant::now();
    // Fails at once while the database does not answer, instead of after the acquire timeout.
    let connection = crate::reachability::acquire(pool).await?;
    crate::rpc_metrics::DB_ACQUIRE.observe(waiting.elapsed().as_secs_f64());
    // What `Pool::begin_with` does, with the wait for a connection measured on its own.
    Transaction::begin(
        connection,
        Some(AssertSqlSafe(format!("BEGIN; SET LOCAL app.tenant_id = '{}'", tenant.hyphenated())).into_sql_str()),
    )
    .await
}

/// Accepts plain lower-case SQL identifiers only, so a role or schema name from configuration
/// can be spliced into DDL safely.
pub fn check_identifier(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        bail!("\"{name}\" is not a plain SQL identifier (lower-case letters, digits and '_', at most 63)")
    }
}

/// The same PostgreSQL URL with another database name (query parameters kept).
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = base[scheme_end..]
        .find('/')
        .map_or(base, |slash| &base[..scheme_end + slash]);
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_is_swapped_in_urls() {
        assert_eq!(
            with_database("postgres://u:p@h:5/db?sslmode=disable", "t1"),
            "postgres://u:p@h:5/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h:5", "t1"), "postgres://u@h:5/t1");
    }
}
