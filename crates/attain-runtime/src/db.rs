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

/// Opens the service's pool. With `db_role` set, every connection switches to that role, so a
/// deployment (or `attain dev`) that logs in as the schema owner still runs queries under the
/// service role, which row-level security applies to.
pub async fn connect(args: &DatabaseArgs) -> anyhow::Result<PgPool> {
    let url = args.require_url()?;
    let options: PgConnectOptions = url.parse().context("DATABASE_URL is not a valid PostgreSQL URL")?;
    let role = args.db_role.clone();
    if let Some(role) = &role {
        check_identifier(role).context("ATTAIN_DB_ROLE")?;
    }
    let pool = PgPoolOptions::new()
        .max_connections(args.db_max_connections)
        .acquire_timeout(args.db_acquire_timeout)
        .after_connect(move |conn, _meta| {
            let role = role.clone();
            Box::pin(async move {
                if let Some(role) = role {
                    sqlx::raw_sql(AssertSqlSafe(format!("SET ROLE \"{role}\"")))
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .context("cannot connect to the database at DATABASE_URL")?;
    Ok(pool)
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
/// so services sharing one database never see each other's migrations.
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
        .with_context(|| format!("migrating the {} schemas", set.service))
}

/// Gives the service role exactly what it needs on the service's own schemas: usage, row
/// reads and writes, and the schemas' functions (migrations revoke them from PUBLIC). It never
/// owns the tables and has no BYPASSRLS, so row-level security always applies to it. With
/// `create`, a missing role is created without login (for `attain dev` and tests, which switch
/// to it with `SET ROLE`); otherwise it must already exist.
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
            "DO $$ BEGIN CREATE ROLE \"{role}\" NOLOGIN NOSUPERUSER NOBYPASSRLS; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        );
        sqlx::raw_sql(AssertSqlSafe(create)).execute(pool).await?;
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
    Ok(())
}

/// Starts a transaction in which row-level security admits only `tenant`'s rows. The setting
/// is transaction-local, so a pooled connection never carries one tenant into another's call.
pub async fn begin_tenant(pool: &PgPool, tenant: Uuid) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    // BEGIN and the setting go to the server as one simple query: one round trip instead of
    // two on every call. A UUID prints as hex digits and dashes only, so splicing it is safe.
    let waiting = std::time::Instant::now();
    let connection = pool.acquire().await?;
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
